"""Kyrgyz, Russian and English: complete catalogs, the user's choice remembered, Accept-Language."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from tests.conftest import login
from webinar.models import Role

ROOT = Path(__file__).resolve().parents[2]
PLACEHOLDER = re.compile(r"%\(\w+\)s|%%")


def extracted_messages() -> set[str]:
    """Every user-facing string in the code and templates, as `make messages` extracts them."""
    method_map = [("webinar/**.py", "python"), ("workers/**.py", "python"), ("templates/**.html", "jinja2")]
    found = extract_from_dir(str(ROOT), method_map, keywords={"_": None, "gettext": None, "_l": None, "lazy_gettext": None})
    return {message for _, _, message, _, _ in found if isinstance(message, str)}


@pytest.mark.parametrize("language", ["ky", "ru", "en"])
def test_catalog_translates_every_string(language: str) -> None:
    with open(ROOT / f"webinar/translations/{language}/LC_MESSAGES/messages.po", "rb") as po:
        catalog = read_po(po)
    translated = {m.id: m.string for m in catalog if m.id and m.string and not m.fuzzy}
    missing = sorted(extracted_messages() - translated.keys())
    assert missing == [], f"{language}: untranslated (run `make messages`): {missing[:10]}"
    broken = [k for k, v in translated.items() if not same_placeholders(k, v)]
    assert broken == []


def same_placeholders(msgid: str | tuple, msgstr: str | tuple) -> bool:
    """A translation uses the source's placeholders; each plural form only some of the plural's."""
    if isinstance(msgid, str):
        return sorted(PLACEHOLDER.findall(msgid)) == sorted(PLACEHOLDER.findall(msgstr))
    wanted = {name for text in msgid for name in PLACEHOLDER.findall(text)}
    forms = [set(PLACEHOLDER.findall(form)) for form in msgstr]
    return all(msgstr) and all(form <= wanted for form in forms) and set().union(*forms) == wanted


def _visible_text(html: str) -> str:
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


@pytest.mark.parametrize("language", ["ky", "ru"])
def test_pages_have_no_english_left(app, client, make_user, language: str) -> None:
    make_user("asanov.a", Role.TEACHER, full_name="Асанов Айбек")
    login(client, "asanov.a")
    client.post("/language", data={"language": language})
    english = {m for m in extracted_messages() if len(m) > 3 and "%" not in m}
    for path in ["/", "/courses/new", "/password"]:
        text = _visible_text(client.get(path).get_data(as_text=True))
        leftovers = [m for m in english if re.search(rf"(?<!\w){re.escape(m)}(?!\w)", text)]
        assert leftovers == [], (language, path, leftovers)


@pytest.mark.parametrize(("header", "word"), [("ru-RU,ru;q=0.9", "Войти"), ("ky", "Кирүү"), ("en-US", "Sign in"),
                                             ("de-DE", "Кирүү")])
def test_visitors_get_their_browser_language_or_kyrgyz(client, header: str, word: str) -> None:
    html = client.get("/login", headers={"Accept-Language": header}).get_data(as_text=True)
    assert f">{word}<" in html or f'value="{word}"' in html


def test_choice_is_remembered_for_the_user_on_any_device(app, client, make_user) -> None:
    make_user("aibek", Role.TEACHER)
    login(client, "aibek")
    client.post("/language", data={"language": "ru", "next": "/password"})
    other_device = app.test_client()
    login(other_device, "aibek")
    html = other_device.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<html lang="ru"' in html and "Мои дисциплины" in html


def test_anonymous_choice_lasts_for_the_session(client) -> None:
    response = client.post("/language", data={"language": "ky", "next": "/login"})
    assert response.location == "/login"
    assert '<html lang="ky"' in client.get("/login").get_data(as_text=True)


def test_unknown_language_is_refused_with_a_message(client) -> None:
    response = client.post("/language", data={"language": "xx", "next": "/login"}, follow_redirects=True)
    assert "This language is not available" in response.get_data(as_text=True)
    assert '<html lang="en"' in response.get_data(as_text=True)


def test_language_switch_never_redirects_off_site(client) -> None:
    response = client.post("/language", data={"language": "ru", "next": "https://evil.example/"})
    assert response.location == "/"
