import gettext

import polib
from django.urls import reverse

from kewei.testing.compile_messages import LOCALE_DIR


def _catalogue():
    return polib.pofile(str(LOCALE_DIR / "en/LC_MESSAGES/django.po"))


def test_every_chinese_string_has_an_english_translation():
    def translated(entry):
        if entry.msgid_plural:
            return all(entry.msgstr_plural.values())
        return bool(entry.msgstr)

    untranslated = [e.msgid for e in _catalogue() if not translated(e) or e.fuzzy or e.obsolete]
    assert untranslated == []


def test_compiled_catalogue_is_up_to_date():
    with (LOCALE_DIR / "en/LC_MESSAGES/django.mo").open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)

    def single(entry) -> str:
        if entry.msgctxt:
            return compiled.pgettext(entry.msgctxt, entry.msgid)
        return compiled.gettext(entry.msgid)

    stale = [
        e.msgid
        for e in _catalogue()
        if (
            single(e) != e.msgstr
            if not e.msgid_plural
            else [compiled.ngettext(e.msgid, e.msgid_plural, n) for n in (1, 2)]
            != [e.msgstr_plural[0], e.msgstr_plural[1]]
        )
    ]
    assert stale == [], "run `make messages`"


def test_chinese_is_the_default_and_english_a_switch(client, bank):
    client.force_login(bank.admin)
    chinese = client.get(reverse("home")).content.decode()
    assert "机构管理" in chinese and 'lang="zh-hans"' in chinese
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302
    english = client.get(reverse("home")).content.decode()
    assert "Departments" in english and 'lang="en"' in english
    assert "机构管理" not in english


def test_dates_in_chinese_form(client, bank):
    client.force_login(bank.admin)
    page = client.get(reverse("organisation:department_detail", args=[bank.outlet_a1.pk]))
    created = bank.outlet_a1.created_at
    from django.utils import timezone

    local = timezone.localtime(created)
    assert f"{local.year}年{local.month}月{local.day}日" in page.content.decode()


def test_browser_language_does_not_override_chinese_default(client, bank):
    client.force_login(bank.admin)
    page = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert 'lang="zh-hans"' in page.content.decode()


def test_translations_keep_the_placeholders_of_their_source():
    # A translation that names other placeholders fails at run time in English only.
    import re

    placeholder = re.compile(r"%\((\w+)\)[sd]")
    wrong = []
    for entry in _catalogue():
        translations = entry.msgstr_plural.values() if entry.msgid_plural else [entry.msgstr]
        for text in translations:
            if sorted(placeholder.findall(text)) != sorted(placeholder.findall(entry.msgid)):
                wrong.append((entry.msgid, text))
    assert wrong == []


def test_an_english_request_leaves_the_threads_language_as_it_was(client, bank):
    from django.conf import settings
    from django.utils import translation

    # given a user who switched to English
    client.force_login(bank.admin)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("zh-hans"):
        # when a page is served in English
        page = client.get(reverse("home"))
        # then the page is English and the thread is Chinese again
        assert 'lang="en"' in page.content.decode()
        assert translation.get_language() == "zh-hans"
