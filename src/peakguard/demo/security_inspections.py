"""The demo season's inspections, rectification orders, abnormal outlet, commitment letters,
stop-sort hold and sweeps, scripted from the season's lapses (:mod:`.security_season`).

Pure: who does what and when, with the texts they write. Every order ends the season in a
different state: closed after a passed re-check, escalated to a penalty case after a failed
one, escalated by the sweep when ignored, reported and waiting for its re-check, issued and
still inside its deadline. The users are the demo's logins (``sc.inspector``,
``cd.inspector``, each company's ``<code>.security``); the application maps them to principals
and leaves out a step whose user the database does not have.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from peakguard.demo.security_season import (
    PEAK_DAYS,
    X_RAY_SKIPPED_DAYS,
    LapsePolicy,
    at,
)
from peakguard.domain.network import Network, NodeKind
from peakguard.domain.scans import CHINA_STANDARD_TIME, EventType

PROVINCIAL_INSPECTOR = "sc.inspector"
CITY_INSPECTOR = "cd.inspector"
SECURITY_OFFICERS = {"ZTO": "zto-sc.security", "SF": "sf-sc.security"}
"""Each demo company's security officer (安全管理员), by brand."""
PARTNER_BODY = "四川省公安厅（演示）"
PARTNER_OFFICERS = ("公安民警 王警官（演示）",)
"""The joint inspection's partner body and officers (synthetic)."""
SWEEP_HOURS = (0, 12)
"""The sweeps run every day at these hours (and 30 minutes), through the season's end."""


@dataclass(frozen=True)
class ExtensionScript:
    """The carrier asks for a later deadline (``days`` from the order); the administration
    grants it (``granted``), refuses it, or has not answered (``answered_at`` none)."""

    asked_at: datetime
    days: int
    reason: str
    answered_at: datetime | None = None
    granted: bool = True


@dataclass(frozen=True)
class PenaltyScript:
    """The fine the administration proposes on the order's penalty case."""

    proposed_at: datetime
    company_fine: int
    reason: str


@dataclass(frozen=True)
class OrderScript:
    """A rectification order from a finding and how it ends the season (``outcome``, the
    order's state then: ``closed``; ``escalated`` after a failed re-check or, ignored, by the
    sweep; ``reported``; ``issued``; ``extension_requested``)."""

    outcome: str
    issued_at: datetime
    days: int
    """The deadline: this many calendar days after the order (民法典 arts. 201–203)."""
    requirement: str
    reported_at: datetime | None = None
    report: str | None = None
    rechecked_at: datetime | None = None
    recheck_passed: bool | None = None
    recheck_note: str | None = None
    extension: ExtensionScript | None = None
    penalty: PenaltyScript | None = None
    ignored: bool = False
    """No report: the sweep escalates it once the deadline has passed."""

    @property
    def deadline(self) -> date:
        """The last day of the first deadline (China time)."""
        return self.issued_at.date() + timedelta(days=self.days)


@dataclass(frozen=True)
class FindingScript:
    item_key: str
    rule_key: str
    description: str
    evidence: str | None
    """The evidence file's name (its bytes are generated), or none."""
    order: OrderScript | None = None


@dataclass(frozen=True)
class InspectionScript:
    key: str
    inspector: str
    """The user who conducts it."""
    kind: str
    """``planned`` (明察) or ``unannounced`` (暗访)."""
    conducted_by: str
    """``regulator``, ``joint`` (with public security) or ``self`` (the carrier's own)."""
    carrier: str
    node: str
    region: str
    started_at: datetime
    note: str
    findings: tuple[FindingScript, ...]


@dataclass(frozen=True)
class AbnormalScript:
    outlet: str
    carrier: str
    region: str
    listed_by: str
    listed_at: datetime
    reason: str


@dataclass(frozen=True)
class CommitmentScript:
    """A company's signed letter, recorded by the provincial office with its scan."""

    carrier: str
    season: str
    signer_name: str
    signer_title: str
    signed_on: date
    recorded_by: str
    recorded_at: datetime
    file_name: str


@dataclass(frozen=True)
class Scan:
    """One scan of the lake, as :func:`choose_hold` reads it."""

    waybill: str
    carrier: str
    event: str
    node_id: str
    time: datetime


@dataclass(frozen=True)
class HoldScript:
    waybill: str
    carrier: str
    hub: str
    region: str
    placed_by: str
    placed_at: datetime
    suspicion: str
    evidence: str
    later_scans: int
    """The lake's scans of the waybill after the hold: each a violation."""
    released_by: str
    released_at: datetime
    reason: str


@dataclass(frozen=True)
class InspectionPlan:
    inspections: tuple[InspectionScript, ...]
    abnormal: AbnormalScript | None
    commitments: tuple[CommitmentScript, ...]
    missing_commitment: str | None
    """The brand whose company has not signed."""
    sweeps: tuple[datetime, ...]

    def orders(self) -> list[OrderScript]:
        return [
            finding.order
            for inspection in self.inspections
            for finding in inspection.findings
            if finding.order is not None
        ]


def _november(days: Sequence[date], day: int) -> date:
    return next((d for d in days if d.day == day and d.month == 11), days[len(days) // 2])


def season_inspections(
    network: Network, policy: LapsePolicy, days: Sequence[date], *, end: datetime
) -> InspectionPlan:
    """The inspections the policy's lapses trigger over ``days`` (the demand days), their
    findings and orders, the abnormal outlet, the letters and the sweeps up to ``end``."""
    sliding, peak = policy.of("sliding"), policy.of("peak_days")
    officer = SECURITY_OFFICERS.get
    joint_day = _november(days, PEAK_DAYS[2])
    self_check = _self_inspection(network, sliding.carrier, officer(sliding.carrier), days)
    found = (_unannounced(policy, days), self_check, _joint(policy, days), _planned(policy, days))
    inspections = tuple(i for i in found if i is not None)
    abnormal = AbnormalScript(
        peak.outlet,
        peak.carrier,
        peak.region,
        PROVINCIAL_INSPECTOR,
        at(joint_day + timedelta(days=4), 9),
        "责令整改逾期未报送，网点负责人联系不上，快件积压，暂停收寄。",
    )
    brands = sorted(SECURITY_OFFICERS)
    missing = brands[0] if brands else None
    letters = tuple(
        CommitmentScript(
            brand,
            str(days[0].year),
            "李某（演示）",
            "四川省公司总经理",
            days[0] - timedelta(days=6),
            PROVINCIAL_INSPECTOR,
            at(days[0] - timedelta(days=6), 15),
            "安全保障服务承诺书.pdf",
        )
        for brand in brands
        if brand != missing
    )
    sweeps = _sweep_moments(days[0], end)
    return InspectionPlan(inspections, abnormal, letters, missing, sweeps)


def _unannounced(policy: LapsePolicy, days: Sequence[date]) -> InspectionScript:
    """The city inspector's 暗访 at the X-ray outlet, and its orders."""
    skipping = policy.of("skipped_days")
    skip_first = _november(days, X_RAY_SKIPPED_DAYS[1])
    recheck_day = _november(days, X_RAY_SKIPPED_DAYS[2])
    return InspectionScript(
        "x-ray-unannounced",
        CITY_INSPECTOR,
        "unannounced",
        "regulator",
        skipping.carrier,
        skipping.outlet,
        skipping.region,
        at(skip_first, 15),
        "暗访：以寄件人身份交寄包裹，观察收寄验视与过机安检。",
        (
            FindingScript(
                "x_ray.machine_working",
                "x_ray",
                "安检机未开机，当日收寄邮件快件均未过机安检。",
                "安检机未开机.png",
                OrderScript(
                    "escalated",
                    at(skip_first, 17),
                    5,
                    "立即开启安检机，收寄邮件快件100%过机安检，并报送整改情况。",
                    at(skip_first + timedelta(days=3), 10),
                    "已维修安检机并恢复开机，增派一名安检员，组织收寄人员安检培训。",
                    at(recheck_day, 14),
                    False,
                    "复查（暗访）：安检机再次未开机，当日收寄邮件快件均未过机安检。",
                    penalty=PenaltyScript(
                        at(recheck_day + timedelta(days=2), 10),
                        100_000,
                        "整改后复查仍未过机安检；首次违法，按法定最低额处罚。",
                    ),
                ),
            ),
            FindingScript(
                "prohibited_items.list_displayed",
                "prohibited_items",
                "营业场所未公示禁止寄递物品目录。",
                None,
                OrderScript(
                    "reported",
                    at(skip_first, 17, 10),
                    15,
                    "在营业场所显著位置公示禁止寄递物品目录。",
                    at(days[-1], 11),
                    "已在收寄台张贴禁止寄递物品目录并拍照存档。",
                ),
            ),
        ),
    )


def _joint(policy: LapsePolicy, days: Sequence[date]) -> InspectionScript:
    """The provincial inspector's inspection with public security at the peak outlet."""
    peak = policy.of("peak_days")
    joint_day = _november(days, PEAK_DAYS[2])
    return InspectionScript(
        "inspection-joint",
        PROVINCIAL_INSPECTOR,
        "planned",
        "joint",
        peak.carrier,
        peak.outlet,
        peak.region,
        at(joint_day, 10),
        "与公安机关联合检查：收寄验视、实名收寄与运单信息。",
        (
            FindingScript(
                "acceptance_inspection.open_box",
                "acceptance_inspection",
                "旺季高峰日部分邮件快件未开箱验视即收寄，未加盖验视标识。",
                "未验视邮件.png",
                OrderScript(
                    "escalated",
                    at(joint_day, 12),
                    3,
                    "严格执行收寄验视制度，逐件开箱验视并加盖验视标识，限期报送整改情况。",
                    ignored=True,
                ),
            ),
            FindingScript(
                "real_name.waybill_fields",
                "waybill_data",
                "部分运单打印寄件人身份证件号码，超出运单可记载信息范围。",
                None,
                OrderScript(
                    "closed",
                    at(joint_day, 12, 10),
                    7,
                    "修改面单模板，运单不得记载姓名、地址、电话以外的寄件人信息。",
                    at(joint_day + timedelta(days=2), 9),
                    "已修改面单模板，停用旧模板，库存旧面单全部销毁。",
                    at(joint_day + timedelta(days=4), 15),
                    True,
                    "复查：抽查当日运单50份，均未记载证件号码。",
                ),
            ),
        ),
    )


def _planned(policy: LapsePolicy, days: Sequence[date]) -> InspectionScript:
    """The provincial inspector's planned inspection at the real-name outlet."""
    sliding = policy.of("sliding")
    slide_day = days[-3]
    return InspectionScript(
        "real-name-planned",
        PROVINCIAL_INSPECTOR,
        "planned",
        "regulator",
        sliding.carrier,
        sliding.outlet,
        sliding.region,
        at(slide_day, 10),
        "实名收寄专项检查：抽查实名登记记录与收寄台账。",
        (
            FindingScript(
                "real_name.verified",
                "real_name",
                "实名收寄率逐日下降，部分邮件未核验寄件人身份，登记证件号码校验不通过。",
                "实名登记抽查记录.pdf",
                OrderScript(
                    "reported",
                    at(slide_day, 16),
                    10,
                    "逐件核验寄件人有效身份证件，如实登记；清理校验不通过的登记记录。",
                    at(days[-1], 16),
                    "已对收寄人员逐一培训，启用读卡器核验身份证件，清理问题登记记录。",
                ),
            ),
            FindingScript(
                "real_name.data_protection",
                "personal_information",
                "营业员以本人证件号码代替寄件人登记；实名登记信息存于个人手机。",
                None,
                OrderScript(
                    "issued",
                    at(slide_day, 16, 10),
                    7,
                    "禁止以员工证件代替寄件人登记，删除个人设备中的用户信息并报送整改情况。",
                    extension=ExtensionScript(
                        at(days[-1], 9),
                        21,
                        "需更换全部收寄终端并重新培训，申请延长整改期限。",
                        at(days[-1], 15),
                        True,
                    ),
                ),
            ),
            FindingScript(
                "real_name.system_used",
                "real_name",
                "实名收寄信息系统未覆盖夜间收寄，夜间以手工台账登记。",
                None,
                OrderScript(
                    "extension_requested",
                    at(slide_day, 16, 20),
                    10,
                    "夜间收寄全部通过实名收寄信息系统登记，停用手工台账。",
                    extension=ExtensionScript(
                        at(days[-1], 17), 20, "夜间收寄终端需采购，申请延期。"
                    ),
                ),
            ),
        ),
    )


def _self_inspection(
    network: Network, carrier: str, officer: str | None, days: Sequence[date]
) -> InspectionScript | None:
    """The carrier's own check of its busiest Sichuan hub's sorting line."""
    hubs = sorted(
        (n for n in network.nodes if n.kind is NodeKind.hub and n.carrier == carrier),
        key=lambda n: (-n.daily_sorting_capacity(), n.id),
    )
    hubs = [n for n in hubs if n.region.startswith("51")]
    if officer is None or not hubs:
        return None
    hub = hubs[0]
    return InspectionScript(
        "sorting-self",
        officer,
        "planned",
        "self",
        carrier,
        hub.id,
        hub.region,
        at(days[min(4, len(days) - 1)], 9),
        "旺季前安全生产自查：分拣线、车辆、消防、培训记录。",
        (
            FindingScript(
                "safety_production.sorting_lines",
                "safety_production",
                "3号分拣线急停按钮失效；两具灭火器过期。",
                "分拣线急停按钮.png",
            ),
        ),
    )


def _sweep_moments(first: date, end: datetime) -> tuple[datetime, ...]:
    moments = []
    day = first
    while at(day, 0) <= end:
        moments += [at(day, hour, 30) for hour in SWEEP_HOURS if at(day, hour, 30) <= end]
        day += timedelta(days=1)
    return tuple(moments)


def choose_hold(
    scans: Sequence[Scan],
    hubs: Mapping[str, str],
    *,
    officer: str,
    day: date,
) -> HoldScript | None:
    """The waybill a hub's X-ray flags on ``day``: among the waybills sorted at one of
    ``hubs`` (id → region) that day with scans after the sort, the one with the most (ties
    by waybill); the hold is placed 20 minutes after its sort, every later scan is a
    violation, and the provincial inspector releases it the next day."""
    by_waybill: dict[tuple[str, str], list[Scan]] = {}
    for scan in scans:
        by_waybill.setdefault((scan.carrier, scan.waybill), []).append(scan)
    best: tuple[int, str, Scan] | None = None
    for (_carrier, waybill), trail in sorted(by_waybill.items()):
        sorts = [
            s
            for s in trail
            if s.event == EventType.sort.value
            and s.node_id in hubs
            and s.time.astimezone(CHINA_STANDARD_TIME).date() == day
        ]
        if not sorts:
            continue
        sort = min(sorts, key=lambda s: s.time)
        placed = sort.time + timedelta(minutes=20)
        later = sum(1 for s in trail if s.time > placed)
        if later and (best is None or (-later, waybill) < (-best[0], best[1])):
            best = (later, waybill, sort)
    if best is None:
        return None
    later, waybill, sort = best
    placed = (sort.time + timedelta(minutes=20)).astimezone(CHINA_STANDARD_TIME)
    return HoldScript(
        waybill,
        sort.carrier,
        sort.node_id,
        hubs[sort.node_id],
        officer,
        placed,
        "分拣过机安检发现疑似管制刀具，立即停止分拣、运输、投递并报告。",
        "X光机图像.png",
        later,
        PROVINCIAL_INSPECTOR,
        placed + timedelta(days=1),
        "经公安机关开箱查验，系金属工艺品，不属于禁止寄递物品，解除扣留。",
    )
