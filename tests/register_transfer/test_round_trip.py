"""Property: export → import → export is value-identical, whatever odd text the register holds."""
from __future__ import annotations

from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cxgov.register.transfer import services as transfer
from cxgov.register.transfer.spreadsheet import CSV_TRUE, TABLES, write_csv
from tests.register_transfer.helpers import csv_of, workbook_values, xlsx

ODD = ["007", "NA", "null", "None", "TRUE", "false", "=1+1", "+46 70", "-", "@x", "'=x", "'", "1e5",
       "0.10", "Åsa Ærø Øst", "å ä ö æ ø", "_x0041_", "#N/A", "=HYPERLINK(\"http://evil\")", "x" * 200]


def _clean(text: str) -> str:
    return text.strip()


#: One-line text: no control characters (the forms refuse them), no spaces at the ends.
line = st.one_of(st.sampled_from(ODD), st.text(
    st.characters(blacklist_categories=("Cs", "Cc", "Cn")), min_size=1, max_size=40)
).map(_clean).filter(bool)
#: Multi-line text may also hold tabs and line breaks inside.
multi = st.one_of(line, st.lists(line, min_size=2, max_size=3).map("\t".join),
                  st.lists(line, min_size=2, max_size=3).map("\n".join),
                  st.lists(line, min_size=2, max_size=3).map("\r\n".join))  # as browsers send textareas


@st.composite
def registers(draw) -> dict[str, list[list[object]]]:
    """Draw a small consistent register whose texts are odd strings."""
    # Names stay distinct as the register compares them (ignoring letter case; channels take 190 characters).
    names = draw(st.lists(line.map(lambda v: v[:200]), min_size=2, max_size=4, unique_by=lambda v: v[:190].lower()))
    people = [[f"p{n}@example.com", name, draw(line.map(lambda v: v[:200])), draw(st.sampled_from(["", *ODD[:6]])),
               draw(st.booleans())] for n, name in enumerate(names)]
    people.append([None, draw(st.one_of(st.just("Ann @ home"), line.map(lambda v: "no-mail " + v[:150]))),
                   "", "", True])
    owners = [p[0] for p in people[:-1]] + [people[-1][1], None]
    channels = [[f"{name[:190]} ch", kind, draw(st.sampled_from(owners)), draw(st.booleans())]
                for name, kind in zip(names, ("phone", "web", "store", "complaints"))]
    journeys = [[f"{names[0][:190]} j", draw(multi), draw(st.sampled_from(owners)), True]]
    touchpoints = [[journeys[0][0], c[0], draw(line.map(lambda v: v[:200])), draw(line.map(lambda v: v[:100])),
                    draw(st.sampled_from(owners)), draw(multi.map(lambda v: v[:300].strip())),
                    draw(line.map(lambda v: v[:200])), draw(line.map(lambda v: v[:100])), draw(st.booleans()),
                    draw(st.one_of(st.none(), st.dates(date(2000, 1, 1), date.today()))), True]
                   for c in channels]
    roles = [[people[0][0], "ambassador", date(2025, 1, 1), None, draw(multi.map(lambda v: v[:500].strip()))]]
    mandates = [[draw(line.map(lambda v: v[:200])), draw(multi.map(lambda v: v[:500].strip())),
                 draw(line.map(lambda v: v[:200])), draw(st.sampled_from([None, channels[0][0]])), True]]
    return {"people": people, "channels": channels, "journeys": journeys, "touchpoints": touchpoints,
            "cx_roles": roles, "mandates": mandates}


def _load(db, org, data: bytes, filename: str = "register.xlsx") -> None:
    plan = transfer.import_plan(org=org, checked=transfer.import_read(data=data, filename=filename))
    assert plan.ok, [str(e) for e in plan.errors]
    transfer.import_apply(org=org, plan=plan, by=None, filename=filename)
    db.session.commit()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(tables=registers())
def test_xlsx_export_import_export_is_value_identical(db, make_org, tables):
    first_org, second_org = make_org(), make_org()
    _load(db, first_org, xlsx(tables))
    first = transfer.register_export_xlsx(org=first_org)
    _load(db, second_org, first)
    second = transfer.register_export_xlsx(org=second_org)
    assert workbook_values(first) == workbook_values(second)
    again = transfer.import_plan(org=first_org, checked=transfer.import_read(data=first))
    assert (again.added, again.changed) == (0, 0)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(tables=registers())
def test_csv_export_import_export_is_value_identical(db, make_org, tables):
    first_org, second_org = make_org(), make_org()
    _load(db, first_org, xlsx(tables))
    # One table per file: people who left while still owning things come in active first,
    # because an inactive person cannot be given anything (the register's rule, as in the
    # forms); the exported people.csv then deactivates them, as they were.
    people_active = [row[:-1] + [True] for row in transfer.register_tables(org=first_org)["people"]]
    _load(db, second_org, write_csv("people", people_active), "people.csv")
    for spec in sorted(TABLES, key=lambda spec: spec.key == "people"):  # people last
        exported = transfer.register_export_csv(org=first_org, table=spec.key)
        _load(db, second_org, exported, f"{spec.key}.csv")
    for spec in TABLES:
        assert transfer.register_export_csv(org=first_org, table=spec.key) == \
            transfer.register_export_csv(org=second_org, table=spec.key), spec.key


def test_csv_writes_booleans_and_dates_plainly():
    rows = [["J", "C", "T", "", None, "", "", "", True, date(2026, 1, 31), False]]
    text = csv_of("touchpoints", rows).decode("utf-8-sig")
    assert f",{CSV_TRUE},2026-01-31,FALSE" in text
