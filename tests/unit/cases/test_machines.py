"""The workflows take only the steps of their tables: checked against a table written here by
hand from the issue, the laws and seed 004 (not derived from the module), exhaustively."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from pathlib import Path

import pytest

from peakguard.cases.clocks import load_clock_rules
from peakguard.cases.machines import (
    CLOCK_KEYS,
    Step,
    allowed,
    initial_state,
    is_final,
    opening_clocks,
    states,
    step,
    transitions,
)
from peakguard.cases.model import CaseKind
from peakguard.errors import IllegalTransitionError, InvalidInputError
from peakguard.i18n import render

CLOCKS = {
    "CA": "complaint.answer",
    "EA": "emergency.answer",
    "EC": "emergency.call_back",
    "AR": "appeal.register",
    "AC": "appeal.carrier_reply",
    "AM": "appeal.mediation_answer",
    "AU": "appeal.answer_user",
}
"""Short names of the clock rules in the table below."""

EXPECTED_TABLE = """
# kind state         action          variant target        side      needs  starts stops cancels
c  received          accept          *  handling           carrier   -      -  -      -
c  handling          answer          n  answered           carrier   answer -  CA     -
c  handling          answer          e  answered           carrier   answer -  EA     -
c  answered          close           n  closed             carrier   -      -  -      -
c  answered          call_back       n  called_back        carrier   call_back - -    -
c  answered          call_back       e  called_back        carrier   call_back - EC   -
c  called_back       close           *  closed             carrier   -      -  -      -
c  received          escalate        n  escalated          regulator -      -  CA     CA
c  received          escalate        e  escalated          regulator -      -  EA,EC  EA,EC
c  handling          escalate        n  escalated          regulator -      -  CA     CA
c  handling          escalate        e  escalated          regulator -      -  EA,EC  EA,EC
c  answered          escalate        n  escalated          regulator -      -  -      -
c  answered          escalate        e  escalated          regulator -      -  EC     EC
c  called_back       escalate        *  escalated          regulator -      -  -      -
a  received          review          *  admissibility      regulator -      -  -      -
a  admissibility     admit           *  registered         regulator -      -  AR     -
a  admissibility     reject          *  rejected           regulator reason -  AR,AU  -
a  registered        forward         *  forwarded          regulator carrier_organisation AC - -
a  forwarded         carrier_reply   *  carrier_replied    carrier   answer -  AC     -
a  forwarded         verify          *  verification       regulator note   -  AC     AC
a  carrier_replied   verify          *  verification       regulator -      -  -      -
a  carrier_replied   mediate         *  mediation          regulator note   AM -      -
a  verification      mediate         *  mediation          regulator note   AM -      -
a  mediation         mediation_reply *  verification       carrier   answer -  AM     -
a  carrier_replied   answer          *  answered           regulator answer -  AU     -
a  verification      answer          *  answered           regulator answer -  AU     -
a  mediation         answer          *  answered           regulator answer -  AU,AM  AM
a  answered          record_finding  *  finding            regulator finding -  -     -
a  finding           call_back       *  called_back        regulator call_back - -    -
a  called_back       close           *  closed             regulator -      -  -      -
a  received          withdraw        *  withdrawn          regulator note   -  AR,AU  AR,AU
a  admissibility     withdraw        *  withdrawn          regulator note   -  AR,AU  AR,AU
a  registered        withdraw        *  withdrawn          regulator note   -  AU     AU
a  forwarded         withdraw        *  withdrawn          regulator note   -  AU,AC  AU,AC
a  carrier_replied   withdraw        *  withdrawn          regulator note   -  AU     AU
a  verification      withdraw        *  withdrawn          regulator note   -  AU     AU
a  mediation         withdraw        *  withdrawn          regulator note   -  AU,AM  AU,AM
"""
"""Every legal step. Variant: n a normal complaint, e an emergency work order, * both (and
every appeal). The issue's paths; seed 004 for the call-back an emergency work order cannot
skip; an appeal is withdrawn only before it is answered."""

STATES = {
    CaseKind.complaint: ("received", "handling", "answered", "called_back", "closed", "escalated"),
    CaseKind.appeal: (
        "received",
        "admissibility",
        "registered",
        "forwarded",
        "carrier_replied",
        "verification",
        "mediation",
        "answered",
        "finding",
        "called_back",
        "closed",
        "rejected",
        "withdrawn",
    ),
}
FINAL = {
    CaseKind.complaint: {"closed", "escalated"},
    CaseKind.appeal: {"closed", "rejected", "withdrawn"},
}
OPENING = {
    (CaseKind.complaint, False): {"complaint.answer"},
    (CaseKind.complaint, True): {"emergency.answer", "emergency.call_back"},
    (CaseKind.appeal, False): {"appeal.register", "appeal.answer_user"},
    (CaseKind.appeal, True): {"appeal.register", "appeal.answer_user"},
}
ACTIONS = (
    "accept",
    "answer",
    "close",
    "call_back",
    "escalate",
    "review",
    "admit",
    "reject",
    "forward",
    "carrier_reply",
    "verify",
    "mediate",
    "mediation_reply",
    "record_finding",
    "withdraw",
    # names known nowhere: case, spacing, spelling, steps a case never takes
    "",
    "ACCEPT",
    "answer ",
    "call-back",
    "delete",
    "reopen",
)
"""Every action name known anywhere, and a few that are not (case, spacing, spelling)."""

Key = tuple[CaseKind, str, str, bool]
Expected = tuple[str, str, tuple[str, ...], frozenset[str], frozenset[str], frozenset[str]]


def _clocks(field: str) -> frozenset[str]:
    return frozenset() if field == "-" else frozenset(CLOCKS[name] for name in field.split(","))


def _expected() -> dict[Key, Expected]:
    kinds = {"c": CaseKind.complaint, "a": CaseKind.appeal}
    variants = {"n": (False,), "e": (True,), "*": (False, True)}
    table: dict[Key, Expected] = {}
    for line in EXPECTED_TABLE.strip().splitlines():
        if line.startswith("#"):
            continue
        kind, state, action, variant, target, side, needs, starts, stops, cancels = line.split()
        for emergency in variants[variant]:
            key = (kinds[kind], state, action, emergency)
            assert key not in table, f"the expectation lists {key} twice"
            table[key] = (
                target,
                side,
                () if needs == "-" else tuple(needs.split(",")),
                _clocks(starts),
                _clocks(stops),
                _clocks(cancels),
            )
    return table


EXPECTED = _expected()


def _as_expected(taken: Step) -> Expected:
    return (
        taken.target,
        taken.side.value,
        taken.needs,
        frozenset(taken.starts),
        frozenset(taken.stops),
        frozenset(taken.cancels),
    )


def _legal_actions(kind: CaseKind, state: str, emergency: bool) -> set[str]:
    return {key[2] for key in EXPECTED if key[:2] == (kind, state) and key[3] == emergency}


def _every_case() -> Iterator[tuple[CaseKind, str, bool]]:
    for kind, names in STATES.items():
        for state in names:
            for emergency in (False, True):
                yield kind, state, emergency


def test_states_are_the_contracts() -> None:
    """Each kind has exactly the states of the contract, starting in ``received``."""
    for kind, names in STATES.items():
        assert states(kind) == tuple(names)
        assert initial_state(kind) == "received"


@pytest.mark.parametrize(("kind", "state", "emergency"), list(_every_case()))
def test_every_action_is_the_tables_step_or_refused(
    kind: CaseKind, state: str, emergency: bool
) -> None:
    """For every kind, state, action name and emergency flag, ``step`` returns exactly the
    hand-written table's step, or refuses with the table's allowed actions: no step is missing,
    none is extra."""
    legal = _legal_actions(kind, state, emergency)
    for action in ACTIONS:
        key = (kind, state, action, emergency)
        if key in EXPECTED:
            taken = step(kind, state, action, emergency=emergency)
            assert (taken.action, taken.source) == (action, state)
            assert _as_expected(taken) == EXPECTED[key], key
        else:
            with pytest.raises(IllegalTransitionError) as refused:
                step(kind, state, action, emergency=emergency)
            assert set(refused.value.allowed) == legal
            assert len(refused.value.allowed) == len(legal)
    assert {taken.action for taken in allowed(kind, state, emergency=emergency)} == legal


def test_transitions_list_the_whole_table() -> None:
    """The whole table the reference page is written from has exactly the expected steps."""
    listed = {
        (kind, taken.source, taken.action, emergency)
        for kind in CaseKind
        for emergency in (False, True)
        for taken in transitions(kind, emergency=emergency)
    }
    assert listed == set(EXPECTED)


def test_refusal_names_the_state_the_action_and_what_is_allowed() -> None:
    """A refused step says, in the user's language, which state the case is in, which step
    was refused and which it can take instead."""
    with pytest.raises(IllegalTransitionError) as refused:
        step(CaseKind.appeal, "forwarded", "answer")
    english = render(refused.value.message, "en")
    assert "forwarded to the carrier" in english
    assert "“answer”" in english
    for alternative in ("reply (carrier)", "verify", "withdraw"):
        assert alternative in english
    assert refused.value.allowed == ("carrier_reply", "verify", "withdraw")
    assert refused.value.http_status == 409


def test_emergency_close_refusal_says_call_back_first() -> None:
    """Closing an answered emergency work order is refused with the reason: the user must be
    called back first (seed 004); the call-back is among the allowed steps."""
    with pytest.raises(IllegalTransitionError) as refused:
        step(CaseKind.complaint, "answered", "close", emergency=True)
    assert "called back" in render(refused.value.message, "en")
    assert "call_back" in refused.value.allowed


def test_unknown_state_is_a_located_input_error() -> None:
    """A state the kind does not have is a mistake in the input, located at ``state``."""
    with pytest.raises(InvalidInputError) as wrong:
        step(CaseKind.complaint, "mediation", "answer")
    assert [problem.location for problem in wrong.value.problems] == ["state"]


@pytest.mark.parametrize("kind", list(CaseKind))
def test_final_states_allow_nothing(kind: CaseKind) -> None:
    """Exactly the final states are final, and a final state allows no step at all."""
    for state in STATES[kind]:
        assert is_final(kind, state) == (state in FINAL[kind])
        for emergency in (False, True):
            if state in FINAL[kind]:
                assert allowed(kind, state, emergency=emergency) == ()
            else:
                assert allowed(kind, state, emergency=emergency) != ()


def _graph(kind: CaseKind, emergency: bool) -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {state: set() for state in STATES[kind]}
    for taken in transitions(kind, emergency=emergency):
        graph[taken.source].add(taken.target)
    return graph


def _reachable(graph: dict[str, set[str]], start: str) -> set[str]:
    seen = {start}
    queue = deque([start])
    while queue:
        for following in graph[queue.popleft()]:
            if following not in seen:
                seen.add(following)
                queue.append(following)
    return seen


@pytest.mark.parametrize("emergency", [False, True])
@pytest.mark.parametrize("kind", list(CaseKind))
def test_every_state_is_reached_and_can_finish(kind: CaseKind, emergency: bool) -> None:
    """Every state can be reached from ``received``, and from every state a final state can be
    reached (no case can get stuck), by breadth-first search over the table."""
    graph = _graph(kind, emergency)
    assert _reachable(graph, "received") == set(STATES[kind])
    for state in STATES[kind]:
        assert _reachable(graph, state) & FINAL[kind], state


@pytest.mark.parametrize("emergency", [False, True])
@pytest.mark.parametrize("kind", list(CaseKind))
def test_clocks_run_consistently_on_every_path(kind: CaseKind, emergency: bool) -> None:
    """On every path from the opening (breadth-first over states and running clocks): a step
    stops only clocks that are running (started at the opening or by an earlier step), starts
    none that is already running, cancels only clocks it stops, and no clock is left running
    when the case reaches a final state."""
    opening = frozenset(opening_clocks(kind, emergency=emergency))
    assert opening == OPENING[(kind, emergency)]
    start = ("received", opening)
    seen = {start}
    queue = deque([start])
    while queue:
        state, running = queue.popleft()
        for taken in allowed(kind, state, emergency=emergency):
            assert set(taken.stops) <= running, (state, taken.action, running)
            assert not set(taken.starts) & running, (state, taken.action, running)
            assert set(taken.cancels) <= set(taken.stops)
            after = (running - set(taken.stops)) | set(taken.starts)
            if taken.target in FINAL[kind]:
                assert after == frozenset(), (state, taken.action, after)
            following = (taken.target, frozenset(after))
            if following not in seen:
                seen.add(following)
                queue.append(following)


def test_every_clock_the_machines_use_is_a_shipped_rule() -> None:
    """Every clock the tables start, stop or open is one of CLOCK_KEYS, every one of those is
    used, and each has a rule in the packaged clock_rules.toml."""
    used: set[str] = set()
    for kind in CaseKind:
        for emergency in (False, True):
            used |= set(opening_clocks(kind, emergency=emergency))
            for taken in transitions(kind, emergency=emergency):
                used |= set(taken.starts) | set(taken.stops) | set(taken.cancels)
    assert used == set(CLOCK_KEYS) == set(CLOCKS.values())
    assert set(CLOCK_KEYS) <= set(load_clock_rules())


def _paths(graph: dict[str, list[tuple[str, str]]], state: str, end: str) -> Iterator[list[str]]:
    """Every path of actions from ``state`` to ``end`` (the complaint graph has no cycle)."""
    if state == end:
        yield []
        return
    for action, target in graph[state]:
        for rest in _paths(graph, target, end):
            yield [action, *rest]


@pytest.mark.parametrize("emergency", [False, True])
def test_an_emergency_work_order_closes_only_through_a_call_back(emergency: bool) -> None:
    """Every way an emergency work order reaches ``closed`` goes through the call-back (seed
    004: the emergency work-order group calls the user back); a normal complaint may close
    without one."""
    graph: dict[str, list[tuple[str, str]]] = {state: [] for state in STATES[CaseKind.complaint]}
    for taken in transitions(CaseKind.complaint, emergency=emergency):
        graph[taken.source].append((taken.action, taken.target))
    paths = list(_paths(graph, "received", "closed"))
    assert paths
    with_call_back = [path for path in paths if "call_back" in path]
    if emergency:
        assert with_call_back == paths
    else:
        assert len(with_call_back) < len(paths)


@pytest.mark.parametrize(
    ("kind", "action", "need"),
    [
        (CaseKind.appeal, "reject", "reason"),
        (CaseKind.appeal, "record_finding", "finding"),
        (CaseKind.appeal, "forward", "carrier_organisation"),
        (CaseKind.appeal, "answer", "answer"),
        (CaseKind.appeal, "withdraw", "note"),
        (CaseKind.appeal, "call_back", "call_back"),
        (CaseKind.complaint, "answer", "answer"),
        (CaseKind.complaint, "call_back", "call_back"),
    ],
)
def test_steps_carry_what_they_decide(kind: CaseKind, action: str, need: str) -> None:
    """A rejection carries its reason, a finding the finding, a forwarding the carrier
    organisation, an answer its text, a withdrawal a note, a call-back its result, wherever
    the step can be taken."""
    sources = [
        taken
        for emergency in (False, True)
        for taken in transitions(kind, emergency=emergency)
        if taken.action == action
    ]
    assert sources
    for taken in sources:
        assert need in taken.needs, taken


def test_sides_follow_who_does_the_work() -> None:
    """The carrier takes every step of a complaint but the escalation (the regulator's, when
    the user appeals); in an appeal it takes only its reply and its answer to a mediation
    opinion."""
    for emergency in (False, True):
        for taken in transitions(CaseKind.complaint, emergency=emergency):
            expected = "regulator" if taken.action == "escalate" else "carrier"
            assert taken.side.value == expected
    carrier_steps = {
        taken.action for taken in transitions(CaseKind.appeal) if taken.side.value == "carrier"
    }
    assert carrier_steps == {"carrier_reply", "mediation_reply"}


REFERENCE = Path(__file__).resolve().parents[3] / "docs" / "reference" / "case-workflows.md"


def _cells(field: str) -> tuple[str, ...]:
    return () if field == "—" else tuple(sorted(part.strip(" `") for part in field.split(",")))


def _documented(section: str) -> set[tuple[object, ...]]:
    """The rows of the first table after the heading ``section`` in the reference page."""
    text = REFERENCE.read_text(encoding="utf-8")
    after = text[text.index(section) :]
    rows: set[tuple[object, ...]] = set()
    started = False
    for line in after.splitlines():
        if line.startswith("| `"):
            started = True
            rows.add(tuple(_cells(cell.strip()) for cell in line.strip("|").split("|")))
        elif started:
            break
    return rows


def _module_rows(kind: CaseKind) -> set[tuple[object, ...]]:
    rows: set[tuple[object, ...]] = set()
    for emergency in (False, True):
        for taken in transitions(kind, emergency=emergency):
            both = taken in transitions(kind, emergency=not emergency)
            variant = "all" if both else ("emergency" if emergency else "normal")
            columns: list[tuple[str, ...]] = [
                (taken.source,),
                (taken.action,),
                (taken.target,),
                (taken.side.value,),
            ]
            if kind is CaseKind.complaint:
                columns.append((variant,))
            for clocks_or_needs in (taken.needs, taken.starts, taken.stops, taken.cancels):
                columns.append(tuple(sorted(clocks_or_needs)))
            rows.add(tuple(columns))
    return rows


@pytest.mark.parametrize(
    ("kind", "section"),
    [
        (CaseKind.complaint, "## Complaint (投诉)"),
        (CaseKind.appeal, "## Appeal (申诉)"),
    ],
)
def test_reference_page_lists_exactly_the_tables_steps(kind: CaseKind, section: str) -> None:
    """docs/reference/case-workflows.md lists every step of each workflow, with its side,
    needs and clocks, and nothing the module does not have."""
    assert _documented(section) == _module_rows(kind)
