"""`/salesbot admin` → `Company`: the name, address and default tax rate quotes print and start from."""

from __future__ import annotations

from typing import Any

from bot.services.company import ADDRESS_MAX, NAME_MAX, CompanyProfile
from bot.views.blocks import context, modal
from bot.views.inputs import labelled, text_input

VIEW_COMPANY = "admin_company_modal"


def company_modal(profile: CompanyProfile) -> dict[str, Any]:
    source = (
        ""
        if profile.saved
        else " Until saved here, the settings COMPANY_NAME, COMPANY_ADDRESS and DEFAULT_TAX_RATE apply."
    )
    blocks = [
        context("Quotes print this company and start from its tax rate." + source),
        labelled("name", "Company name", text_input(max_length=NAME_MAX, initial=profile.name), optional=True),
        labelled(
            "address",
            "Address",
            text_input(multiline=True, max_length=ADDRESS_MAX, initial=profile.address),
            optional=True,
        ),  # fmt: skip
        labelled(
            "tax_rate", "Default tax rate %", text_input(max_length=8, initial=f"{profile.tax_rate.normalize():f}")
        ),
    ]
    return modal("Company", blocks, callback_id=VIEW_COMPANY, submit="Save")
