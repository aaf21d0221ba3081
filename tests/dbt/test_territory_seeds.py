"""The territory reference seeds: versions of Almaty oblast, the 2022 split, the districts and their names."""

from __future__ import annotations

import csv
from collections import Counter
from datetime import date

from edu_wh.config import DBT_PROJECT_DIR
from ingest.reference import normalize_name, resolve_territory

SEEDS = DBT_PROJECT_DIR / "seeds"
SPLIT = date(2022, 6, 8)


def read(name: str) -> list[dict]:
    with open(SEEDS / name, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def valid_on(row: dict, day: date) -> bool:
    return date.fromisoformat(row["valid_from"]) <= day and (
        not row["valid_to"] or date.fromisoformat(row["valid_to"]) >= day
    )


def test_almaty_oblast_has_a_version_before_and_after_the_split():
    versions = sorted(
        (r["valid_from"], r["valid_to"]) for r in read("territories.csv") if r["kato_code"] == "190000000"
    )
    assert versions == [("1991-12-16", "2022-06-07"), ("2022-06-08", "")]


def test_units_of_almaty_city_and_oblast_and_zhetysu_on_each_side_of_the_split():
    territories = read("territories.csv")

    def children(parent: str, day: date) -> set[str]:
        return {r["kato_code"] for r in territories if r["parent_kato_code"] == parent and valid_on(r, day)}

    # Almaty city: 8 districts today, 7 before Nauryzbay (2 July 2014), 6 before Alatau district (2008)
    assert len(children("750000000", date(2024, 12, 31))) == 8
    assert "751810000" not in children("750000000", date(2014, 7, 1))
    assert len(children("750000000", date(2007, 12, 31))) == 6
    # Almaty oblast: Konaev + 9 districts after the split (+ Alatau city from 2024), 8 more units before
    after = children("190000000", date(2023, 1, 1))
    assert len(after) == 10 and "191000000" in after and "194400000" in after
    assert children("190000000", date(2024, 12, 31)) == after | {"191800000"}
    before = children("190000000", date(2022, 6, 7))
    assert len(before) == 20 and {"191600000", "193200000", "192600000"} <= before
    assert "194400000" not in children("190000000", date(2018, 3, 30))  # Kegen from 31 Mar 2018
    # Zhetysu oblast: Taldykorgan, Tekeli and 8 districts from the split
    assert len(children("330000000", SPLIT)) == 10 and not children("330000000", date(2022, 6, 7))


def test_191000000_is_taldykorgan_before_the_split_and_konaev_after():
    rows = {r["valid_from"]: r for r in read("territories.csv") if r["kato_code"] == "191000000"}
    assert rows["1991-12-16"]["name_ru"] == "Талдыкорган Г.А." and rows["1991-12-16"]["valid_to"] == "2022-06-07"
    assert rows["2022-06-08"]["name_ru"] == "Конаев Г.А."


def test_unverified_codes_say_so():
    territories = {(r["kato_code"], r["valid_from"]): r for r in read("territories.csv")}
    provisional = {code for (code, _), r in territories.items() if "provisional code" in r["note"]}
    # every pre-2022 code of a moved unit except those DOMAIN.md gives (Kapchagay, Aksu), and Alatau city
    assert provisional == {
        "191000000", "192600000", "193400000", "194600000", "194800000", "195000000", "195600000", "196000000",
        "196400000", "191800000",
    }  # fmt: skip
    assert "verify against KATO 2021" in territories[("193400000", "1991-12-16")]["note"]


def test_every_unit_that_moved_in_2022_has_a_change_row():
    changes = read("territory_changes.csv")
    split = {(c["old_kato_code"], c["new_kato_code"]) for c in changes if c["effective_date"] == "2022-06-08"}
    territories = read("territories.csv")
    moved = [r for r in territories if r["valid_to"] == "2022-06-07" and r["kato_code"] != "190000000"]
    assert len(moved) == 11  # 8 districts, Taldykorgan, Tekeli, Kapchagay
    for unit in moved:
        assert any(old == unit["kato_code"] for old, _ in split), unit["name_ru"]
    assert ("191600000", "191000000") in split and ("190000000", "330000000") in split
    types = Counter(c["change_type"] for c in changes)
    assert set(types) <= {"recode", "rename", "split", "move", "create"}
    assert {("751310000", "751810000"), ("751410000", "751810000")} <= {
        (c["old_kato_code"], c["new_kato_code"]) for c in changes if c["effective_date"] == "2014-07-02"
    }
    assert ("195800000", "194400000", "2018-03-31") in {
        (c["old_kato_code"], c["new_kato_code"], c["effective_date"]) for c in changes
    }
    assert ("196800000", "191800000", "2024-01-09") in {
        (c["old_kato_code"], c["new_kato_code"], c["effective_date"]) for c in changes
    }


def test_names_publishers_use_resolve_by_language():
    # old names, KATO spellings, and the Almaty trap
    assert resolve_territory("Капшагай", "ru") == resolve_territory("Қапшағай", "kk") == "191000000"
    assert resolve_territory("Қонаев Г.А.", "ru") == resolve_territory("Қонаев қ.ә.", "kk") == "191000000"
    assert resolve_territory("Талдыкорган", "ru") == resolve_territory("Талдықорған", "kk") == "331000000"
    assert resolve_territory("Текели", "ru") == resolve_territory("Текелі", "kk") == "331800000"
    assert resolve_territory("Ескельдинский район", "ru") == resolve_territory("Ескелді ауданы", "kk") == "333600000"
    assert (
        resolve_territory("Алатау ауданы", "kk") == "751210000"
        and resolve_territory("Алатау қаласы", "kk") == "191800000"
    )
    assert resolve_territory("Алматы", "kk") == "190000000" and resolve_territory("Алматы", "ru") == "750000000"
    # every current unit's own kk and ru names resolve to it
    for row in read("territories.csv"):
        if row["kato_code"][:2] in {"19", "33", "75"} and valid_on(row, date(2024, 12, 31)):
            assert resolve_territory(row["name_ru"], "ru") == row["kato_code"], row["name_ru"]
            assert resolve_territory(row["name_kk"], "kk") == row["kato_code"], row["name_kk"]


def test_no_two_names_collide_after_normalisation():
    keys = Counter((r["language"], normalize_name(r["name"])) for r in read("territory_names.csv"))
    assert [k for k, n in keys.items() if n > 1] == []


def test_seed_tests_pass_in_dbt(db):
    from edu_wh.dbt_runner import dbt_command

    # territory_names → territories is a relationships test at severity error; changes point at territories
    dbt_command(
        ["build", "--select", "territories", "territory_names", "territory_changes", "--indirect-selection", "cautious"]
    )
    versions = db.execute("select count(*) from reference.territories where kato_code = '190000000'").fetchone()[0]
    assert versions == 2
