"""Language names, so a language picker can show each choice in its own script."""

from __future__ import annotations

from collections.abc import Mapping

# code -> {"name_en": English name, "name": native name}
LOCALE_NAMES: Mapping[str, Mapping[str, str]] = {
    "af_ZA": {"name_en": "Afrikaans", "name": "Afrikaans"},
    "am_ET": {"name_en": "Amharic", "name": "አማርኛ"},
    "ar_AR": {"name_en": "Arabic", "name": "العربية"},
    "bg_BG": {"name_en": "Bulgarian", "name": "Български"},
    "bn_IN": {"name_en": "Bengali", "name": "বাংলা"},
    "bs_BA": {"name_en": "Bosnian", "name": "Bosanski"},
    "ca_ES": {"name_en": "Catalan", "name": "Català"},
    "cs_CZ": {"name_en": "Czech", "name": "Čeština"},
    "cy_GB": {"name_en": "Welsh", "name": "Cymraeg"},
    "da_DK": {"name_en": "Danish", "name": "Dansk"},
    "de_DE": {"name_en": "German", "name": "Deutsch"},
    "el_GR": {"name_en": "Greek", "name": "Ελληνικά"},
    "en_GB": {"name_en": "English (UK)", "name": "English (UK)"},
    "en_US": {"name_en": "English (US)", "name": "English (US)"},
    "es_ES": {"name_en": "Spanish (Spain)", "name": "Español (España)"},
    "es_LA": {"name_en": "Spanish", "name": "Español"},
    "et_EE": {"name_en": "Estonian", "name": "Eesti"},
    "eu_ES": {"name_en": "Basque", "name": "Euskara"},
    "fa_IR": {"name_en": "Persian", "name": "فارسی"},
    "fi_FI": {"name_en": "Finnish", "name": "Suomi"},
    "fr_CA": {"name_en": "French (Canada)", "name": "Français (Canada)"},
    "fr_FR": {"name_en": "French", "name": "Français"},
    "ga_IE": {"name_en": "Irish", "name": "Gaeilge"},
    "gl_ES": {"name_en": "Galician", "name": "Galego"},
    "gu_IN": {"name_en": "Gujarati", "name": "ગુજરાતી"},
    "he_IL": {"name_en": "Hebrew", "name": "עברית"},
    "hi_IN": {"name_en": "Hindi", "name": "हिन्दी"},
    "hr_HR": {"name_en": "Croatian", "name": "Hrvatski"},
    "hu_HU": {"name_en": "Hungarian", "name": "Magyar"},
    "hy_AM": {"name_en": "Armenian", "name": "Հայերեն"},
    "id_ID": {"name_en": "Indonesian", "name": "Bahasa Indonesia"},
    "is_IS": {"name_en": "Icelandic", "name": "Íslenska"},
    "it_IT": {"name_en": "Italian", "name": "Italiano"},
    "ja_JP": {"name_en": "Japanese", "name": "日本語"},
    "ka_GE": {"name_en": "Georgian", "name": "ქართული"},
    "kk_KZ": {"name_en": "Kazakh", "name": "Қазақ тілі"},
    "km_KH": {"name_en": "Khmer", "name": "ភាសាខ្មែរ"},
    "kn_IN": {"name_en": "Kannada", "name": "ಕನ್ನಡ"},
    "ko_KR": {"name_en": "Korean", "name": "한국어"},
    "lt_LT": {"name_en": "Lithuanian", "name": "Lietuvių"},
    "lv_LV": {"name_en": "Latvian", "name": "Latviešu"},
    "mk_MK": {"name_en": "Macedonian", "name": "Македонски"},
    "ml_IN": {"name_en": "Malayalam", "name": "മലയാളം"},
    "mn_MN": {"name_en": "Mongolian", "name": "Монгол"},
    "mr_IN": {"name_en": "Marathi", "name": "मराठी"},
    "ms_MY": {"name_en": "Malay", "name": "Bahasa Melayu"},
    "nb_NO": {"name_en": "Norwegian (bokmal)", "name": "Norsk (bokmål)"},
    "ne_NP": {"name_en": "Nepali", "name": "नेपाली"},
    "nl_NL": {"name_en": "Dutch", "name": "Nederlands"},
    "nn_NO": {"name_en": "Norwegian (nynorsk)", "name": "Norsk (nynorsk)"},
    "pa_IN": {"name_en": "Punjabi", "name": "ਪੰਜਾਬੀ"},
    "pl_PL": {"name_en": "Polish", "name": "Polski"},
    "pt_BR": {"name_en": "Portuguese (Brazil)", "name": "Português (Brasil)"},
    "pt_PT": {"name_en": "Portuguese (Portugal)", "name": "Português (Portugal)"},
    "ro_RO": {"name_en": "Romanian", "name": "Română"},
    "ru_RU": {"name_en": "Russian", "name": "Русский"},
    "sk_SK": {"name_en": "Slovak", "name": "Slovenčina"},
    "sl_SI": {"name_en": "Slovenian", "name": "Slovenščina"},
    "sq_AL": {"name_en": "Albanian", "name": "Shqip"},
    "sr_RS": {"name_en": "Serbian", "name": "Српски"},
    "sv_SE": {"name_en": "Swedish", "name": "Svenska"},
    "sw_KE": {"name_en": "Swahili", "name": "Kiswahili"},
    "ta_IN": {"name_en": "Tamil", "name": "தமிழ்"},
    "te_IN": {"name_en": "Telugu", "name": "తెలుగు"},
    "th_TH": {"name_en": "Thai", "name": "ภาษาไทย"},
    "tl_PH": {"name_en": "Filipino", "name": "Filipino"},
    "tr_TR": {"name_en": "Turkish", "name": "Türkçe"},
    "uk_UA": {"name_en": "Ukrainian", "name": "Українська"},
    "ur_PK": {"name_en": "Urdu", "name": "اردو"},
    "uz_UZ": {"name_en": "Uzbek", "name": "Oʻzbek"},
    "vi_VN": {"name_en": "Vietnamese", "name": "Tiếng Việt"},
    "zh_CN": {"name_en": "Chinese (Simplified)", "name": "中文(简体)"},
    "zh_TW": {"name_en": "Chinese (Traditional)", "name": "中文(繁體)"},
}

# Bare language codes ("de", "es") resolve to one representative region, so a locale
# loaded from "de.csv" still knows its name.
_LANGUAGE_DEFAULTS: dict[str, str] = {}
for _code in LOCALE_NAMES:
    _LANGUAGE_DEFAULTS.setdefault(_code.split("_")[0], _code)
_LANGUAGE_DEFAULTS.update({"en": "en_US", "es": "es_LA", "fr": "fr_FR", "pt": "pt_BR", "zh": "zh_CN"})

# Languages written right to left.
RTL_LANGUAGES = frozenset({"ar", "dv", "fa", "he", "ps", "sd", "ug", "ur", "yi"})


def names_for(code: str) -> Mapping[str, str] | None:
    """Return the name entry for ``code``, falling back to its bare language."""
    entry = LOCALE_NAMES.get(code)
    if entry is None:
        region_default = _LANGUAGE_DEFAULTS.get(code.split("_")[0])
        if region_default is not None:
            entry = LOCALE_NAMES[region_default]
    return entry
