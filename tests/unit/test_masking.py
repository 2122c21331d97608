"""Which environment values count as secrets, and how they are masked in text, data and tag sets."""

from __future__ import annotations

from loadcell.masking import Secrets, secret_values


def test_credential_variables_marked_names_and_url_passwords_are_secrets() -> None:
    env = {
        "ALBERT_TOKEN": "eyJhbGciOi",
        "ALBERT_CLIENT_SECRET": "s3cr3t-value",
        "K6_INFLUXDB_PASSWORD": "influx-pass",
        "LOADCELL_AGENT_TOKEN": "0123456789abcdef",
        "API_KEY": "key-123456",
        "MY_PLAIN": "abc",  # marked below: masked whatever its length
        "LOADCELL_SECRETS": "MY_PLAIN",
        "DB_URL": "postgres://user:hunter22@db/x",
        "KEYBOARD_LAYOUT": "us-international",  # not a credential by its name
        "SHORT_TOKEN": "1",  # too short to mask without garbling ordinary text
        "HOME": "/root",
        "PWD": "/work/project",  # the working directory, not a password
        "OLDPWD": "/work/elsewhere",
    }
    found = secret_values(env)
    assert set(found) == {
        "eyJhbGciOi",
        "s3cr3t-value",
        "influx-pass",
        "0123456789abcdef",
        "key-123456",
        "abc",
        "hunter22",
    }
    assert found == sorted(found, key=len, reverse=True)
    assert "abcdef" in secret_values({"X": "abcdef"}, marked=["X"])


def test_masking_covers_text_nested_data_and_tag_pairs() -> None:
    masks = Secrets(["tok-long-1", "tok-2"])
    assert masks.mask("Bearer tok-long-1 and tok-2") == "Bearer *** and ***"
    data = {"setup_data": {"token": "tok-long-1"}, "errors": {"failed: tok-2": 2}, "n": [1.5, "tok-2"]}
    assert masks.mask_data(data) == {
        "setup_data": {"token": "***"},
        "errors": {"failed: ***": 2},
        "n": [1.5, "***"],
    }
    assert masks.mask_pairs((("name", "a"), ("url", "http://h/?t=tok-long-1"))) == (
        ("name", "a"),
        ("url", "http://h/?t=***"),
    )
    nothing = Secrets()
    pairs = (("url", "http://h/"),)
    assert nothing.mask_pairs(pairs) is pairs and nothing.mask_data(data) is data
