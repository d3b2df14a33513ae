"""The catalogue of what the readers' and importers' problems say on the web, in Chinese.

Every code the import modules can raise has a sentence; real imports of bad files (in
the web's mode, on SQLite and PostgreSQL) get a Chinese sentence for every problem,
filled with the row's details, and the rejects file says the same.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from zoufang._errors import ValidationError
from zoufang.campaign.imports.importer import ImportRefused, import_cadres, import_targets
from zoufang.messages import PASSTHROUGH, PROBLEM_MESSAGES, problem_text

from .campaign.imports.test_importer import write_csv

SRC = Path(__file__).resolve().parents[1] / "src" / "zoufang"
#: The modules whose problems reach the import pages.
IMPORT_MODULES = ["gis/readers.py", "gis/topology.py", "gis/points.py",
                  *(str(p.relative_to(SRC)) for p in (SRC / "campaign" / "imports").glob("*.py"))]
#: codes written with a keyword (code="x"), positionally in topology's helper, or as
#: PointIssue's third argument
_CODE = re.compile(r'code="([a-z_]+)"|"(?:error|warning)", "([a-z_]+)"'
                   r'|PointIssue\(int\(i\), \w+, "([a-z_]+)"|PointIssue\(int\(i\), "lonlat", '
                   r'"([a-z_]+)"')
#: Stored placement and grid-check rows, named by vocab.PROBLEM_CODES, not sentences.
STORED = {"outside_grids", "snapped", "in_overlap", "unknown_grid", "grid_mismatch",
          "unplaced", "placed_by_grid"}


def _cjk(text: str) -> bool:
    """Whether ``text`` is a Chinese sentence: it opens with a CJK character or quote."""
    return bool(text) and ("\u4e00" <= text[0] <= "\u9fff" or text[0] in "“（")


def test_every_import_code_has_a_chinese_sentence() -> None:
    """Each code the import modules raise is in the catalogue (or passes its text)."""
    codes: set[str] = set()
    for rel in IMPORT_MODULES:
        for m in _CODE.finditer((SRC / rel).read_text(encoding="utf-8")):
            codes.add(next(g for g in m.groups() if g))
    assert {"field_count", "lonlat_swapped", "bad_rank", "overlap"} <= codes  # the scan works
    missing = sorted(c for c in codes - STORED - PASSTHROUGH if c not in PROBLEM_MESSAGES)
    assert missing == []
    for key, text in PROBLEM_MESSAGES.items():
        assert _cjk(text), key
        assert "--" not in text, f"{key} names a CLI option"


def test_unknown_code_and_unfilled_template_fall_back_to_the_message() -> None:
    """A code with no sentence, or missing the sentence's details, keeps the message."""
    assert problem_text({"code": "no_such_code", "message": "m"}) == "m"
    assert problem_text({"code": "duplicate_id", "message": "m", "value": "A"}) == "m"
    assert problem_text({"code": "duplicate_id", "message": "m", "value": "A",
                         "params": {"first": 3}}) == "编号“A”在文件中重复（第 3 行已使用）：同一" \
                                                     "文件内编号必须唯一。"
    assert problem_text({"code": "duplicate_id", "message": "m"}, "en") == "m"
    assert problem_text({"code": "format", "message": "文件类型不支持"}) == "文件类型不支持"


BAD_TARGETS = [
    ["H1", "张三", "居民家庭", "一组", "13812341234", "116.605", "37.405", ""],
    ["H1", "李四", "居民家庭", "一组", "13812341235", "116.606", "37.406", ""],   # dup id
    ["", "王五", "居民家庭", "一组", "", "116.607", "37.407", ""],                 # no id
    ["H3", "赵六", "外星人", "一组", "", "116.607", "37.407", ""],                 # bad kind
    ["H4", "钱七", "居民家庭", "一组", "", "37.405", "116.605", ""],               # swapped
    ["H5", "孙八", "居民家庭", "一组", "", "0", "0", ""],                          # (0, 0)
    ["H6", "周九", "居民家庭", "一组", "", "116.605", "", ""],                     # half
    ["H7", "吴十", "居民家庭", "一组", "", "东经", "37.405", ""],                  # not a number
    ["H8", "郑一", "居民家庭", "一组", "1.38123E+10", "116.605", "37.405", ""],    # shortened
    ["H9", "冯二", "居民家庭", "一组", "12345", "116.605", "37.405", "独居老人"],  # phone, tag
    ["H10", "陈三", "居民家庭", "一组", "", "2.0", "48.8", ""],                    # abroad
]


def test_bad_targets_file_speaks_chinese_by_row_and_column(store, grids_file,
                                                            tmp_path: Path) -> None:
    """A dry run in web mode: each problem has a filled Chinese sentence; so do rejects."""
    from zoufang.campaign.imports.importer import import_grids

    import_grids(store, grids_file)
    path = write_csv(tmp_path / "bad.csv", [[*r, ""] for r in BAD_TARGETS])  # no 网格
    report = import_targets(store, path, dry_run=True, hints="web")
    seen = {p.code: p for p in report.problems}
    assert {"duplicate_id", "missing_id", "bad_kind", "lonlat_swapped", "zero_point",
            "half_point", "not_a_number", "shortened_number", "bad_phone", "free_tags",
            "outside_china"} <= set(seen)
    for p in report.problems:
        text = problem_text(p.to_dict())
        assert _cjk(text) and "{" not in text, (p.code, text)
        assert "--" not in text
    assert "第 2 行已使用" in problem_text(seen["duplicate_id"].to_dict())
    assert "外星人" in problem_text(seen["bad_kind"].to_dict())
    assert "居民家庭" in problem_text(seen["bad_kind"].to_dict())
    assert "独居老人（第 11 行）" in problem_text(seen["free_tags"].to_dict())
    rejects = tmp_path / "rejected.csv"
    with pytest.raises(ImportRefused):
        import_targets(store, path, hints="web")
    import_targets(store, path, hints="web", skip_invalid=True, rejects_path=rejects)
    text = rejects.read_text(encoding="utf-8-sig")
    assert "编号“H1”在文件中重复" in text and "经度和纬度填反了" in text
    assert "expected" not in text


def test_file_level_problems_speak_chinese(store, tmp_path: Path) -> None:
    """A cut row, a missing column and an unknown rank: Chinese sentences with details."""
    path = tmp_path / "cut.csv"
    path.write_text("编号,姓名,类型,地址,电话,经度,纬度,标签\n"
                    "B1,张三,居民家庭,一组,13812341234,116.605,37.405,\n"
                    "B2,李娜,居民家庭\n", encoding="utf-8")
    with pytest.raises(ValidationError) as err:
        import_targets(store, path, hints="web")
    assert problem_text(err.value.problems[0].to_dict()).startswith(
        "该行有 3 个字段，而表头（第 1 行）有 8 列")
    path = write_csv(tmp_path / "t.csv", [["A-01", "张三", "居民家庭", "116.605", "37.405"]],
                     head=["对象标识", "姓名", "类型", "经度", "纬度"])
    with pytest.raises(ImportRefused) as err:
        import_targets(store, path, hints="web")
    text = problem_text(err.value.problems[0].to_dict())
    assert "缺少必需的列“编号”" in text and "最接近的列：对象标识" in text
    cadres = write_csv(tmp_path / "c.csv", [["C1", "张三", "宇宙主任", "8", "20"]],
                       head=["编号", "姓名", "职级", "每日小时", "可用天数"])
    report = import_cadres(store, cadres, dry_run=True, hints="web")
    (bad,) = [p for p in report.problems if p.code == "bad_rank"]
    assert problem_text(bad.to_dict()).startswith("未知的职级“宇宙主任”")


def test_office_file_notes_speak_chinese(store, grids_file, tmp_path: Path) -> None:
    """The notes of a 花名册's import (header rows, title, footer, CRS, tags) in Chinese."""
    from zoufang.campaign.imports.importer import import_grids
    from zoufang.messages import note_text

    from .campaign.imports.test_office_files import huamingce

    import_grids(store, grids_file)
    report = import_targets(store, huamingce(tmp_path / "h.xlsx"), dry_run=True,
                            hints="web")
    texts = [note_text(n) for n in report.notes]
    assert len(texts) >= 4
    assert all(_cjk(t) for t in texts), texts
    joined = "；".join(texts)
    assert "表头在第 3–4 行" in joined and "落款" in joined and "gcj02" in joined
    assert [note_text(n, "en") for n in report.notes] == report.notes
