"""A workbook is XML inside a zip: entity declarations (the XML "billion laughs") are refused."""

from __future__ import annotations

import zipfile
from pathlib import Path

import openpyxl
import pytest

from peakguard.errors import InvalidInputError
from peakguard.formats.tables import read_workbook

ENTITIES = (
    '<!DOCTYPE lolz [<!ENTITY lol "lol">'
    '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
)


def test_a_sheet_declaring_xml_entities_is_refused_as_no_workbook(tmp_path: Path) -> None:
    """openpyxl parses through defusedxml (a dependency for this): a sheet with a DOCTYPE of
    entities is a located refusal, not an expansion."""
    plain = tmp_path / "plain.xlsx"
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "nodes"
    sheet["A1"] = "id"
    workbook.save(plain)
    hostile = tmp_path / "entities.xlsx"
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(hostile, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                text = data.decode("utf-8")
                start = text.index("?>") + 2 if "?>" in text else 0
                data = (text[:start] + ENTITIES + text[start:]).encode("utf-8")
            target.writestr(item, data)
    with pytest.raises(InvalidInputError) as refused:
        read_workbook(hostile)
    assert [problem.location for problem in refused.value.problems] == ["entities.xlsx"]
