"""Financial lists, children, organizations (bgkernel.library.finance) and the legal filing caption."""
from __future__ import annotations

from decimal import Decimal

from bgkernel.library.finance import Asset, ChildList, Income, Organization
from conftest import start

ESTATE = """
objects:
  - estate: Thing
  - estate.asset: Asset
  - pay: Income
---
question: Any assets?
yesno: estate.asset.there_are_any
---
question: What kind of asset?
fields:
  - Kind: estate.asset.new_item_name
---
question: Value of ${ i }?
fields:
  - Value: estate.asset[i].value
    datatype: currency
---
question: Another asset?
yesno: estate.asset.there_is_another
---
mandatory: True
code: |
  pay.initializeObject("job", PeriodicValue, exists=True, value=1000, period=12)
  pay.gathered = True
---
mandatory: True
question: |
  ${ currency(estate.asset.total()) } in ${ estate.asset.existing_items() };
  ${ pay.total() } a year, ${ pay.total(12) } a month
"""


def test_assets_are_gathered_by_name_and_totalled(sim):
    s = start(sim, ESTATE)
    s.answer(**{"estate.asset.there_are_any": True})
    s.answer(**{"estate.asset.new_item_name": "jewelry"})
    assert s.answer(**{"estate.asset['jewelry'].value": 500}).question == "Another asset?"
    s.answer(**{"estate.asset.there_is_another": True})
    s.answer(**{"estate.asset.new_item_name": "car"})
    s.answer(**{"estate.asset['car'].value": "1,500"})
    screen = s.answer(**{"estate.asset.there_is_another": False})
    assert screen.question == "$2,000.00 in ['car', 'jewelry'];\n12000 a year, 1000 a month"


def test_a_new_item_exists_and_takes_the_value_given_with_its_name():
    assets = Asset("assets")
    assets.new_item_name, assets.new_item_value = "house", 250000
    assets.initializeObject("house", assets.object_type)
    assets._new_item_init_callback()
    assert assets["house"].exists and assets["house"].value == 250000
    assert "new_item_value" not in assets.__dict__
    wages = Income("wages")
    wages.new_item_name, wages.new_item_value, wages.new_item_period = "job", 100, 52
    wages.initializeObject("job", wages.object_type)
    wages._new_item_init_callback()
    wages.gathered = True
    assert wages.total() == Decimal(5200) and str(wages) == "5200"


def test_children_and_organizations():
    kids = ChildList("kids")
    assert kids.object_type.__name__ == "Individual"
    org = Organization("org", handles=["housing"], serves=["Suffolk"])
    assert org.will_handle(problem="housing", county="Suffolk")
    assert not org.will_handle(problem="tax") and not org.will_handle(county="Essex")


CAPTION = """
modules:
  - docassemble.base.legal
---
objects:
  - case: Case
  - pleading: LegalFiling
---
mandatory: True
code: |
  case.court.name = "Superior Court"
  case.case_id = "22-101"
  case.plaintiff.append("Ann")
  case.plaintiff.gathered = True
  case.defendant.append("Bob")
  case.defendant.gathered = True
  pleading.case = case
  pleading.title = "Complaint"
---
mandatory: True
question: Caption
subquestion: ${ pleading.caption() }
"""


def test_a_legal_filing_has_a_caption(sim):
    text = start(sim, CAPTION).screen.subquestion
    assert "In the Superior Court" in text and "Case No. 22-101" in text
    assert "Ann" in text and "Bob" in text and "COMPLAINT" in text
