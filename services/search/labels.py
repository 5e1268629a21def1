"""What the catalogue's codes are called, in French and in English.

The index and the display records keep codes: formats (``models.Format``), languages (ISO
639-2, as MARC catalogues them), identifier schemes ("ean", "bnf"...) and library ids. The
front ends (web pages, JSON API) show them through this one module:

    format_label("dvd-bluray", "fr")      -> "DVD, Blu-ray"
    language_label("eng", "en")           -> "English"
    identifier_label("ean", "fr")         -> "EAN"
    library_name(network, "niort")        -> the name given in network.toml (for a vendor
                                             package: the resources opening it)
    language_tag("eng")                   -> "en" (for an HTML ``lang`` attribute)

An unknown code is shown as it is, never refused: a library may catalogue a language or a
scheme this table does not know yet.
"""

from __future__ import annotations

import re
from typing import Literal

from catalogue_sync.config import NetworkConfig
from catalogue_sync.online.sources import online_sources

Lang = Literal["fr", "en"]
LANGS: tuple[Lang, ...] = ("fr", "en")
_ACCEPTED = re.compile(r"\s*([A-Za-z]{1,8})(?:-[A-Za-z0-9]{1,8})*\s*(?:;\s*q\s*=\s*([0-9.]+))?\s*")
"""The interface languages, French first (the default)."""

FORMATS: dict[Lang, dict[str, str]] = {
    "fr": {
        "book": "Livre", "large-print": "Livre en gros caractères", "e-book": "Livre numérique",
        "audiobook": "Livre audio", "dvd-bluray": "DVD, Blu-ray", "music-cd": "CD musical",
        "score": "Partition", "periodical": "Revue, journal", "map": "Carte",
        "board-game": "Jeu de société", "video-game": "Jeu vidéo",
        "online-periodical": "Presse en ligne", "online-video": "Vidéo en ligne",
        "online-music": "Musique en ligne", "online-resource": "Ressource en ligne",
        "other": "Autre document",
    },
    "en": {
        "book": "Book", "large-print": "Large print book", "e-book": "E-book",
        "audiobook": "Audiobook", "dvd-bluray": "DVD, Blu-ray", "music-cd": "Music CD",
        "score": "Score", "periodical": "Periodical", "map": "Map",
        "board-game": "Board game", "video-game": "Video game",
        "online-periodical": "Online periodical", "online-video": "Online video",
        "online-music": "Online music", "online-resource": "Online resource",
        "other": "Other document",
    },
}

LANGUAGES: dict[Lang, dict[str, str]] = {
    "fr": {
        "fre": "Français", "eng": "Anglais", "ger": "Allemand", "spa": "Espagnol",
        "ita": "Italien", "por": "Portugais", "dut": "Néerlandais", "bre": "Breton",
        "oci": "Occitan", "cat": "Catalan", "baq": "Basque", "cos": "Corse", "lat": "Latin",
        "grc": "Grec ancien", "gre": "Grec moderne", "ara": "Arabe", "heb": "Hébreu",
        "rus": "Russe", "pol": "Polonais", "rum": "Roumain", "tur": "Turc",
        "chi": "Chinois", "jpn": "Japonais", "kor": "Coréen", "vie": "Vietnamien",
        "per": "Persan", "hin": "Hindi", "swe": "Suédois", "dan": "Danois",
        "nor": "Norvégien", "fin": "Finnois", "hun": "Hongrois", "cze": "Tchèque",
        "ukr": "Ukrainien", "fcs": "Langue des signes française", "mul": "Plusieurs langues",
        "zxx": "Sans contenu linguistique", "und": "Langue indéterminée",
    },
    "en": {
        "fre": "French", "eng": "English", "ger": "German", "spa": "Spanish",
        "ita": "Italian", "por": "Portuguese", "dut": "Dutch", "bre": "Breton",
        "oci": "Occitan", "cat": "Catalan", "baq": "Basque", "cos": "Corsican", "lat": "Latin",
        "grc": "Ancient Greek", "gre": "Modern Greek", "ara": "Arabic", "heb": "Hebrew",
        "rus": "Russian", "pol": "Polish", "rum": "Romanian", "tur": "Turkish",
        "chi": "Chinese", "jpn": "Japanese", "kor": "Korean", "vie": "Vietnamese",
        "per": "Persian", "hin": "Hindi", "swe": "Swedish", "dan": "Danish",
        "nor": "Norwegian", "fin": "Finnish", "hun": "Hungarian", "cze": "Czech",
        "ukr": "Ukrainian", "fcs": "French Sign Language", "mul": "Multiple languages",
        "zxx": "No linguistic content", "und": "Undetermined language",
    },
}

LANGUAGE_TAGS = {
    "fre": "fr", "eng": "en", "ger": "de", "spa": "es", "ita": "it", "por": "pt", "dut": "nl",
    "bre": "br", "oci": "oc", "cat": "ca", "baq": "eu", "cos": "co", "lat": "la",
    "grc": "grc", "gre": "el", "ara": "ar", "heb": "he", "rus": "ru", "pol": "pl", "rum": "ro",
    "tur": "tr", "chi": "zh", "jpn": "ja", "kor": "ko", "vie": "vi", "per": "fa", "hin": "hi",
    "swe": "sv", "dan": "da", "nor": "no", "fin": "fi", "hun": "hu", "cze": "cs", "ukr": "uk",
}
"""ISO 639-2 (bibliographic) to BCP 47, for the ``lang`` of a title in another language."""

IDENTIFIERS: dict[Lang, dict[str, str]] = {
    "fr": {
        "isbn": "ISBN", "issn": "ISSN", "ean": "EAN", "upc": "UPC", "ismn": "ISMN",
        "lccn": "LCCN", "oclc": "OCLC", "bnf": "Notice BnF", "sudoc": "PPN Sudoc",
        "sys": "Numéro système", "id": "Identifiant",
    },
    "en": {
        "isbn": "ISBN", "issn": "ISSN", "ean": "EAN", "upc": "UPC", "ismn": "ISMN",
        "lccn": "LCCN", "oclc": "OCLC", "bnf": "BnF record", "sudoc": "Sudoc PPN",
        "sys": "System number", "id": "Identifier",
    },
}


def format_label(code: str, lang: Lang = "fr") -> str:
    """A format code (``models.Format``) as patrons say it."""
    return FORMATS[lang].get(code, code)


def language_label(code: str, lang: Lang = "fr") -> str:
    """An ISO 639-2 code as a language name; an unknown code as it is."""
    return LANGUAGES[lang].get(code, code)


def language_tag(code: str | None) -> str | None:
    """The BCP 47 tag of an ISO 639-2 code, or None when it has none we know."""
    return LANGUAGE_TAGS.get(code) if code else None


def identifier_label(scheme: str, lang: Lang = "fr") -> str:
    """The name of an identifier scheme ("ean", "bnf"... as in ``display["ids"]``)."""
    return IDENTIFIERS[lang].get(scheme, scheme.upper())


def library_name(network: NetworkConfig, library_id: str) -> str:
    """The library's name from network.toml; for a vendor package (an online source), the
    names of the resources that open it; the id when the file no longer lists it."""
    library = network.libraries.get(library_id)
    if library is not None:
        return library.name
    source = online_sources(network).get(library_id)
    if source is not None:
        return ", ".join(resource.name for resource in source.resources)
    return library_id


def preferred_language(accept_language: str) -> Lang:
    """The interface language an Accept-Language header prefers most; French by default."""
    ranked: list[tuple[float, int, Lang]] = []
    for position, part in enumerate(accept_language[:500].split(",")):
        found = _ACCEPTED.fullmatch(part)
        if found is None:
            continue
        weight = _weight(found[2])
        ranked += [(-weight, position, lang) for lang in LANGS
                   if lang == found[1].lower() and weight > 0]
    return min(ranked)[2] if ranked else "fr"


def _weight(quality: str | None) -> float:
    try:
        return float(quality) if quality else 1.0
    except ValueError:
        return 0.0
