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


def test_settings_are_read_again_when_the_file_changes_and_copies_are_handed_out(tmp_path):
    import os

    path = tmp_path / "province.yml"
    path.write_text("vbsp_branch:\n  hotline: {value: '1900 1', verified: true}\n", encoding="utf-8")
    first = load(path)
    first["vbsp_branch"]["hotline"]["value"] = "changed by a caller"
    assert load(path)["vbsp_branch"]["hotline"]["value"] == "1900 1"
    path.write_text("vbsp_branch:\n  hotline: {value: '1900 22', verified: true}\n", encoding="utf-8")
    os.utime(path, ns=(1, 1))  # a different stamp even within the clock's resolution
    assert "1900 22" in contact_message(load(path))
