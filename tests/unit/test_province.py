"""Local details are told only when filled in and verified."""

from knowledge.province import CONTACT_INTRO, contact_message, load


def test_unverified_or_empty_values_are_never_told():
    settings = {
        "vbsp_branch": {
            "name": {"value": "Chi nhánh X", "verified": False},
            "hotline": {"value": "", "verified": True},
            "address": {"value": "Số 1 đường Y", "verified": True},
        }
    }
    message = contact_message(settings)
    assert message.startswith(CONTACT_INTRO)
    assert "Chi nhánh X" not in message
    assert "Đường dây nóng" not in message
    assert "Số 1 đường Y" in message


def test_the_shipped_settings_file_loads_and_tells_only_verified_values():
    settings = load()
    message = contact_message(settings)
    assert settings["transaction_points"]["schedule_description"]["value"] in message
    assert settings["vbsp_branch"]["name"]["value"] not in message  # not verified in the shipped file
