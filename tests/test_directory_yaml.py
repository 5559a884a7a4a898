"""The YAML directory source, layering of sources, and directory validation."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from enrich.directory.model import LEFT, Directory, Lead, Person, Unit
from enrich.directory.sources import load_directory
from enrich.directory.validate import validate
from enrich.errors import DirectoryError, ExitStatus

FULL = """\
emu_short_code: acme
cost_centers:
  CC-100: Platform engineering
  4711: Research
units:
  - id: eng
    name: Engineering
    parent: null
    cost_center: CC-100
    lead: {name: Ada Lovelace, email: ada@example.com}
  - id: 7
    name: Compilers
    parent: eng
  - id: lab
    name: Lab
    parent: 7
    cost_center: 4711
people:
  - id: e1000
    name: Grace Hopper
    unit: eng
  - id: 1001
    name: Ada Lovelace
    email: ada@example.com
    github: ada-l
    username: ada.lovelace
    unit: eng
    cost_center: 4711
    manager: e1000
    seat: true
    status: active
    title: Director
  - id: e1002
    name: Charles Babbage
    github: [cbabbage, Babbage-Old]
    unit: 7
    manager: 1001
    status: Terminated
  - id: e1003
    name: Alan Turing
    unit: lab
    seat: false
aliases:
  Old-Login: 1001
"""


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path, monkeypatch):
    # Relative file names keep the expected messages short: "org.yaml, line 3: ...".
    monkeypatch.chdir(tmp_path)


def write(text: str, name: str = "org.yaml") -> Path:
    path = Path(name)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def load(*paths: Path) -> Directory:
    return load_directory([{"type": "yaml", "path": path} for path in paths])


def error_of(text: str) -> str:
    with pytest.raises(DirectoryError) as caught:
        load(write(text))
    return str(caught.value)


def test_reads_every_field():
    directory = load(write(FULL))

    assert directory.source == "org.yaml"
    assert directory.emu_short_code == "acme"
    assert directory.cost_centers == {"CC-100": "Platform engineering", "4711": "Research"}
    assert directory.units["eng"] == Unit("eng", "Engineering", None, "CC-100",
                                          Lead("Ada Lovelace", "ada@example.com"))
    assert directory.units["lab"] == Unit("lab", "Lab", parent="7", cost_center="4711")
    assert directory.people["1001"] == Person(
        id="1001", name="Ada Lovelace", unit="eng", email="ada@example.com", logins=("ada-l",),
        username="ada.lovelace", cost_center="4711", manager="e1000", seat=True,
        status="active", title="Director")
    babbage = directory.people["e1002"]
    assert babbage.logins == ("cbabbage", "Babbage-Old")
    assert (babbage.unit, babbage.manager, babbage.status) == ("7", "1001", LEFT)
    assert directory.aliases == {"old-login": "1001"}


def test_cost_center_comes_from_the_person_else_the_nearest_unit_up_the_tree():
    directory = load(write(FULL))
    cost_center_of = {pid: directory.cost_center_of(p) for pid, p in directory.people.items()}

    assert cost_center_of == {
        "e1000": "CC-100",  # own unit
        "1001": "4711",  # own cost center wins over the unit's
        "e1002": "CC-100",  # unit 7 has none: its parent's
        "e1003": "4711",  # unit lab's own, not its ancestors'
    }


def test_without_any_unit_cost_center_there_is_none():
    directory = load(write("""\
        units: [{id: eng, name: Engineering}]
        people: [{id: e1, name: Ada, unit: eng}]
        """))

    assert directory.cost_center_of(directory.people["e1"]) is None


def test_cost_center_ids_need_no_list_of_names():
    directory = load(write("""\
        units: [{id: eng, name: Engineering, cost_center: CC-9}]
        people: [{id: e1, name: Ada, unit: eng}]
        """))

    assert directory.units["eng"].cost_center == "CC-9"
    assert directory.cost_centers == {}


def test_11_11_an_empty_file_is_an_error():
    assert error_of("") == (
        "org.yaml: the file is empty; expected emu_short_code, cost_centers, units, people, "
        "aliases")


def test_11_11_an_org_chart_without_people_is_an_error():
    assert error_of("units: [{id: eng, name: Engineering}]\npeople: []\n") == (
        "org.yaml: the org chart has no people")


@pytest.mark.parametrize(("text", "message"), [
    ("- just a list\n",
     "org.yaml: expected a mapping with emu_short_code, cost_centers, units, people, aliases"),
    ("units: []\npeple: []\n",
     "org.yaml, line 2: unknown key 'peple' (did you mean people?)"),
    ("units: [\n", "org.yaml, line 2: not valid YAML: expected the node content, but found "
                   "'<stream end>'"),
    ("emu_short_code: ac\n",
     "org.yaml, line 1: emu_short_code must be 3 to 8 letters or digits, got 'ac'"),
    ("cost_centers: [CC-1]\n",
     "org.yaml, line 1: cost_centers must be a mapping of cost center id to name"),
    ("cost_centers:\n  CC-1: Platform\n  CC-2: [Apps]\n",
     "org.yaml, line 3: cost center CC-2: name must be a non-empty text, got ['Apps']"),
    ("aliases: [ada]\n",
     "org.yaml, line 1: aliases must be a mapping of GitHub login to person id"),
    ("units: {eng: Engineering}\n", "org.yaml, line 1: units must be a list"),
    ("units:\n  - eng\n",
     "org.yaml, line 1: unit #1: expected a mapping with id and name, got 'eng'"),
])
def test_file_structure_errors(text, message):
    assert error_of(text) == message


UNIT = """\
units:
  - id: eng
    name: Engineering
  - id: web
    name: Web
    {field}
people: []
"""


@pytest.mark.parametrize(("field", "message"), [
    ("parnet: eng", "org.yaml, line 6: unit web: unknown key 'parnet' (did you mean parent?)"),
    ("color: blue", "org.yaml, line 6: unit web: unknown key 'color'"),
    ("parent: [eng]", "org.yaml, line 6: unit web: parent must be a text or a number, "
                      "got ['eng']"),
    ("lead: Ada", "org.yaml, line 6: unit web: lead must be a mapping with a name and an "
                  "optional email, got 'Ada'"),
    ("lead: {name: Ada, mail: ada@example.com}",
     "org.yaml, line 6: unit web: lead must be a mapping with a name and an optional email, "
     "got {'name': 'Ada', 'mail': 'ada@example.com'}"),
    ("parent: engg", "org.yaml, line 6: unit web: unknown parent 'engg'"),
])
def test_unit_errors(field, message):
    assert error_of(UNIT.format(field=field)) == message


PERSON = """\
units:
  - id: eng
    name: Engineering
people:
  - id: e1
    name: Ada
    unit: eng
    {field}
"""


@pytest.mark.parametrize(("field", "message"), [
    ("emial: ada@example.com",
     "org.yaml, line 8: person e1: unknown key 'emial' (did you mean email?)"),
    ("seat: yes please", "org.yaml, line 8: person e1: seat must be true or false, "
                         "got 'yes please'"),
    ("github: {login: ada}", "org.yaml, line 8: person e1: github must be a login or a list "
                             "of logins, got {'login': 'ada'}"),
    ("github: [ada, [x]]", "org.yaml, line 8: person e1: github must be a login or a list "
                           "of logins, got ['ada', ['x']]"),
    ("email: ada", "org.yaml, line 8: person e1: email must be an e-mail address, got 'ada'"),
    ("status: retired", "org.yaml, line 8: person e1: status must be active or left (or "
                        "inactive, disabled, terminated), got 'retired'"),
    ("title: ''", "org.yaml, line 8: person e1: title must be a non-empty text, got ''"),
    ("manager: 1.5", "org.yaml, line 8: person e1: manager must be a text or a number, "
                     "got 1.5"),
    ("manager: true", "org.yaml, line 8: person e1: manager must be a text or a number, "
                      "got True"),
    ("manager: e9", "org.yaml, line 8: person e1: unknown manager 'e9'"),
    ("manager: e1", "org.yaml, line 8: manager loop: e1 -> e1"),
])
def test_person_errors(field, message):
    assert error_of(PERSON.format(field=field)) == message


def test_a_person_without_an_id_is_named_by_its_place():
    assert error_of("""\
        units: [{id: eng, name: Engineering}]
        people:
          - id: e1
            name: Ada
            unit: eng
          - name: Grace
            unit: eng
        """) == "org.yaml, line 6: person #2: missing required field 'id'"


def test_a_bad_id_is_named_by_its_place():
    assert error_of("""\
        units:
          - id: [eng]
            name: Engineering
        """) == "org.yaml, line 2: unit #1: id must be a text or a number, got ['eng']"


@pytest.mark.parametrize(("entry", "message"), [
    ("{id: e2, unit: eng}", "org.yaml, line 3: person e2: missing required field 'name'"),
    ("{id: e2, name: Grace}", "org.yaml, line 3: person e2: missing required field 'unit'"),
    ("{id: e2, name: Grace, unit: null}",
     "org.yaml, line 3: person e2: missing required field 'unit'"),
    ("{id: e2, name: Grace, unit: sales}", "org.yaml, line 3: person e2: unknown unit 'sales'"),
    ("{id: ' ', name: Grace, unit: eng}",
     "org.yaml, line 3: person #1: id must not be empty, got ' '"),
])
def test_required_person_fields(entry, message):
    assert error_of(f"units: [{{id: eng, name: Engineering}}]\npeople:\n  - {entry}\n") == message


def test_a_unit_needs_a_name():
    assert error_of("units:\n  - id: eng\n") == (
        "org.yaml, line 2: unit eng: missing required field 'name'")


def test_duplicate_ids_name_both_lines():
    assert error_of("""\
        units:
          - {id: eng, name: Engineering}
          - {id: 7, name: Compilers}
          - {id: '7', name: Again}
        """) == "org.yaml, line 4: unit 7: duplicate id, first at line 3"
    assert error_of("""\
        units: [{id: eng, name: Engineering}]
        people:
          - id: e1
            name: Ada
            unit: eng
          - id: e1
            name: Grace
            unit: eng
        """) == "org.yaml, line 6: person e1: duplicate id, first at line 3"


def test_unknown_cost_center_when_the_names_are_given():
    assert error_of("""\
        cost_centers: {CC-1: Platform}
        units:
          - id: eng
            name: Engineering
            cost_center: CC-1
        people:
          - id: e1
            name: Ada
            unit: eng
            cost_center: CC-2
        """) == "org.yaml, line 10: person e1: unknown cost center 'CC-2'"
    assert error_of("""\
        cost_centers: {CC-1: Platform}
        units:
          - id: eng
            name: Engineering
            cost_center: CC-9
        """) == "org.yaml, line 5: unit eng: unknown cost center 'CC-9'"


def test_unit_loop():
    assert error_of("""\
        units:
          - {id: a, name: A, parent: c}
          - {id: b, name: B, parent: a}
          - {id: c, name: C, parent: b}
          - {id: d, name: D, parent: c}
        """) == "org.yaml, line 2: unit loop: a -> c -> b -> a"


def test_manager_loop_names_the_people_in_it():
    assert error_of("""\
        units: [{id: eng, name: Engineering}]
        people:
          - {id: e0, name: Boss, unit: eng, manager: e1}
          - {id: e1, name: Ada, unit: eng, manager: e2}
          - {id: e2, name: Grace, unit: eng, manager: e3}
          - {id: e3, name: Alan, unit: eng, manager: e1}
        """) == "org.yaml, line 4: manager loop: e1 -> e2 -> e3 -> e1"


def test_alias_to_an_unknown_person():
    assert error_of("""\
        units: [{id: eng, name: Engineering}]
        people: [{id: e1, name: Ada, unit: eng}]
        aliases:
          ada: e1
          old-grace: e2
        """) == "org.yaml, line 5: alias 'old-grace': unknown person 'e2'"


def test_alias_with_a_bad_person_id():
    assert error_of("aliases:\n  ada: [e1]\n") == (
        "org.yaml, line 2: alias 'ada': person must be a text or a number, got ['e1']")


PEOPLE_WITH_LOGINS = """\
units: [{id: eng, name: Engineering}]
people:
  - id: e1
    name: Ada
    unit: eng
    github: [ada-l, ada-old]
  - id: e2
    name: Grace
    unit: eng
    github: grace
"""


def test_a_login_claimed_by_two_people_fields():
    assert error_of(PEOPLE_WITH_LOGINS + "  - {id: e3, name: Alan, unit: eng, github: ADA-OLD}\n"
                    ) == "org.yaml, line 11: login 'ADA-OLD' claimed by two people: e1 and e3"


def test_an_alias_contradicting_a_login_field():
    assert error_of(PEOPLE_WITH_LOGINS + "aliases:\n  ada-old: e1\n  Grace: e1\n") == (
        "org.yaml, line 13: login 'grace' claimed by two people: e2 and e1")


def test_two_aliases_differing_in_case():
    assert error_of(PEOPLE_WITH_LOGINS + "aliases:\n  old: e1\n  OLD: e2\n") == (
        "org.yaml, line 13: login 'OLD' claimed by two people: e1 and e2")


def test_directory_errors_are_bad_input():
    with pytest.raises(DirectoryError) as caught:
        load(write("units: [\n"))
    assert caught.value.exit_status == ExitStatus.BAD_INPUT


def test_a_later_source_replaces_units_and_people_by_id():
    base = write(FULL)
    overrides = write("""\
        units:
          - {id: lab, name: Quantum lab, parent: eng}
        people:
          - {id: e1003, name: Alan Turing, unit: 7, github: aturing}
        aliases:
          turing-old: e1003
        """, "overrides.yaml")

    directory = load(base, overrides)

    assert directory.source == "org.yaml + overrides.yaml"
    assert directory.units["lab"].name == "Quantum lab"
    assert directory.people["e1003"].logins == ("aturing",)
    assert directory.people["e1002"].name == "Charles Babbage"
    assert directory.aliases == {"old-login": "1001", "turing-old": "e1003"}
    assert directory.emu_short_code == "acme"
    assert directory.cost_centers["4711"] == "Research"


def test_an_error_names_the_source_that_brought_the_entry():
    overrides = write("people:\n  - {id: e9, name: Nobody, unit: sales}\n", "overrides.yaml")

    with pytest.raises(DirectoryError) as caught:
        load(write(FULL), overrides)

    assert str(caught.value) == "overrides.yaml, line 2: person e9: unknown unit 'sales'"


def test_no_sources_give_an_empty_directory():
    assert load_directory([]) == Directory()


def test_an_unknown_source_type():
    with pytest.raises(DirectoryError) as caught:
        load_directory([{"type": "ldif"}])
    assert str(caught.value).startswith(
        "unknown directory source type 'ldif'; expected one of yaml, ")


def test_a_missing_file():
    with pytest.raises(DirectoryError) as caught:
        load(Path("nowhere.yaml"))
    assert str(caught.value) == "nowhere.yaml: cannot read the file: No such file or directory"


@pytest.mark.parametrize(("directory", "message"), [
    (Directory({"a": Unit("a", "A", parent="b")}), "hr.csv: unit a: unknown parent 'b'"),
    (Directory({"a": Unit("a", "A")}, {"e1": Person("e1", "Ada", "x")}),
     "hr.csv: person e1: unknown unit 'x'"),
    (Directory({"a": Unit("a", "A")}, {"e1": Person("e1", "Ada", "a", manager="e2")}),
     "hr.csv: person e1: unknown manager 'e2'"),
    (Directory({"a": Unit("a", "A")}, {"e1": Person("e1", "Ada", "a")}, aliases={"x": "e2"}),
     "hr.csv: alias 'x': unknown person 'e2'"),
    (Directory({"a": Unit("a", "A", parent="b"), "b": Unit("b", "B", parent="a")}),
     "hr.csv: unit loop: a -> b -> a"),
    (Directory({"a": Unit("a", "A")}, {"e1": Person("e1", "Ada", "a", logins=("ada",)),
                                       "e2": Person("e2", "Bob", "a", logins=("Ada",))}),
     "hr.csv: login 'Ada' claimed by two people: e1 and e2"),
])
def test_validate_names_the_source_when_it_knows_no_lines(directory, message):
    directory.source = "hr.csv"

    with pytest.raises(DirectoryError) as caught:
        validate(directory)

    assert str(caught.value) == message


def test_validate_returns_a_good_directory_unchanged():
    directory = Directory({"a": Unit("a", "A")}, {"e1": Person("e1", "Ada", "a")})

    assert validate(directory) is directory


def test_an_org_chart_in_json_loads_and_its_errors_name_the_entry(tmp_path):
    path = tmp_path / "org.json"
    path.write_text(json.dumps({
        "units": [{"id": "eng", "name": "Engineering"}],
        "people": [{"id": "e1", "name": "Ada", "unit": "eng", "github": "ada-l"},
                   {"id": "e2", "name": "Bob", "unit": "eng", "manager": "e1"}]}))
    directory = load_directory([{"type": "yaml", "path": path}])
    assert directory.people["e2"].manager == "e1"
    assert directory.people["e1"].logins == ("ada-l",)
    path.write_text(json.dumps({"units": [{"id": "eng", "name": "Engineering"}],
                                "people": [{"id": "e1", "name": "Ada", "unit": "sales"}]}))
    with pytest.raises(DirectoryError) as info:
        load_directory([{"type": "yaml", "path": path}])
    assert str(info.value) == f"{path}: person e1: unknown unit 'sales'"
