"""The web catalogue's words, in French (the default) and English, and how a page picks one.

Every string the pages show is in ``TEXTS``, one table per language with the same keys (a
test checks it). Values are ``str.format`` templates: ``Texts("fr")("results_for",
query="camus")``. Keys ending in ``_one`` / ``_other`` are plurals, chosen by ``Texts.plural``
(French says "0 résultat", English "0 results").

The language of a page is, in this order: ``?lang=`` (then remembered in the ``lang`` cookie),
the cookie, the browser's Accept-Language, French.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from fastapi import Request

from services.search.labels import LANGS, Lang

COOKIE = "lang"
COOKIE_MAX_AGE = 365 * 24 * 3600
NAMES: dict[Lang, str] = {"fr": "Français", "en": "English"}
"""Each language named in itself, for the language switch."""

FR: dict[str, str] = {
    "site_title": "Catalogue du réseau",
    "colon": "\u00a0: ",
    "home_title": "Accueil",
    "skip_link": "Aller au contenu",
    "home_link": "Accueil du catalogue",
    "language_nav": "Langue",
    "search_label": "Rechercher dans le catalogue",
    "search_hint": "Titre, auteur, sujet, ISBN… Laissez vide pour tout parcourir.",
    "search_button": "Rechercher",
    "footer_network": "Catalogue commun : {network}.",
    "home_intro": "Cherchez en une seule fois dans les catalogues de toutes les "
                  "bibliothèques du réseau, et voyez où chaque document se trouve.",
    "tips_heading": "Conseils de recherche",
    "tip_words": "Tapez des mots du titre, le nom d'un auteur, un sujet ou un ISBN.",
    "tip_phrase": "Mettez une expression entre guillemets pour la trouver telle quelle : "
                  "« le petit prince ».",
    "tip_truncation": "Ajoutez * pour trouver les mots qui commencent ainsi : hist* trouve "
                      "histoire et historique.",
    "tip_exclude": "Mettez - devant un mot pour écarter ce qui le contient : camus -peste.",
    "browse_all": "Parcourir tout le catalogue",
    "libraries_heading": "Les bibliothèques du réseau",
    "results_for": "Résultats pour « {query} »",
    "browse_title": "Tout le catalogue",
    "page_n": "page {page}",
    "results_one": "{n} résultat",
    "results_other": "{n} résultats",
    "results_range": "Résultats {first} à {last} sur {total}",
    "jump_to_facets": "Aller aux filtres pour affiner la recherche",
    "refine_heading": "Affiner la recherche",
    "facet_library": "Bibliothèque",
    "facet_format": "Type de document",
    "facet_language": "Langue",
    "facet_year": "Année de publication",
    "facet_more": "Voir {n} autres choix",
    "facet_count_one": "{n} résultat",
    "facet_count_other": "{n} résultats",
    "facet_selected": "filtre actif, le retirer",
    "active_filters": "Filtres actifs",
    "remove_filter": "Retirer le filtre : {label}",
    "clear_filters": "Retirer tous les filtres",
    "available_filter": "En rayon",
    "facet_available": "Disponibilité",
    "available_only": "Seulement les documents disponibles en rayon",
    "year_range": "Entre deux années",
    "year_from": "De l'année",
    "year_to": "À l'année",
    "year_between": "Années {low} à {high}",
    "year_since": "Depuis {low}",
    "year_until": "Jusqu'à {high}",
    "apply": "Appliquer",
    "sort_label": "Trier par",
    "sort_relevance": "Pertinence",
    "sort_year": "Année, les plus récents d'abord",
    "sort_title": "Titre, de A à Z",
    "sort_button": "Trier",
    "where_heading": "Où le trouver",
    "by": "par {authors}",
    "not_given": "non renseigné",
    "held_single_available": "Disponible",
    "held_available_one": "{n} exemplaire disponible sur {total}",
    "held_available_other": "{n} exemplaires disponibles sur {total}",
    "held_on_loan_one": "Emprunté, retour prévu le {due}",
    "held_on_loan_other": "Tous les exemplaires sont empruntés, premier retour prévu le {due}",
    "held_on_loan_undated": "Emprunté",
    "held_other": "Non disponible en rayon (voir la notice)",
    "held_no_items": "Exemplaires non décrits",
    "status_available": "Disponible",
    "status_on_loan": "Emprunté",
    "status_not_for_loan": "Exclu du prêt, à consulter sur place",
    "status_on_order": "En commande",
    "status_lost": "Perdu",
    "status_withdrawn": "Retiré des collections",
    "status_other": "Statut « {code} » de la bibliothèque",
    "source_live": "État en direct du catalogue de la bibliothèque.",
    "source_harvested": "État au dernier moissonnage, le {date}.",
    "source_harvested_undated": "État au dernier moissonnage.",
    "reason_timeout": "Le catalogue de la bibliothèque n'a pas répondu à temps.",
    "reason_unavailable": "Le catalogue de la bibliothèque ne répond pas pour l'instant.",
    "reason_refused": "Le catalogue de la bibliothèque n'a pas pu être interrogé.",
    "reason_misconfigured": "Le catalogue de la bibliothèque n'a pas pu être interrogé.",
    "results_note": "Disponibilité au dernier moissonnage des catalogues ; la notice d'un "
                    "document donne l'état en direct quand sa bibliothèque le permet.",
    "no_results_for": "Aucun résultat pour « {query} »",
    "no_results_filters": "Aucun résultat avec ces filtres",
    "suggestions_heading": "Suggestions",
    "suggest_spelling": "Vérifiez l'orthographe des mots.",
    "suggest_fewer_words": "Essayez avec moins de mots, ou des mots plus généraux.",
    "suggest_truncation": "Cherchez le début d'un mot avec * : hist* trouve histoire et "
                          "historique.",
    "suggest_without_filters": "Relancer la recherche sans les filtres",
    "pagination_label": "Pages de résultats",
    "previous_page": "Page précédente",
    "next_page": "Page suivante",
    "page_word": "Page",
    "record_heading_description": "Description",
    "field_title": "Titre",
    "field_authors": "Auteurs",
    "field_year": "Année",
    "field_publisher": "Éditeur",
    "field_pages": "Pages",
    "pages_count": "{n} pages",
    "field_format": "Type de document",
    "field_language": "Langue",
    "record_heading_identifiers": "Identifiants",
    "record_heading_subjects": "Sujets",
    "subject_search": "Chercher les documents sur ce sujet :",
    "record_heading_holdings": "Exemplaires dans le réseau",
    "holdings_caption": "Exemplaires de : {library}",
    "holdings_caption_none": "{library} : exemplaires non décrits dans sa notice.",
    "col_branch": "Site",
    "col_location": "Emplacement",
    "col_call_number": "Cote",
    "col_status": "Statut",
    "col_due_date": "Retour prévu",
    "opac_link": "Voir la notice dans le catalogue de {library}",
    "record_heading_editions": "Autres éditions et formats",
    "record_page_title": "{title} — notice",
    "error_400_title": "Recherche impossible",
    "error_404_title": "Notice introuvable",
    "error_404_text": "Aucune notice du catalogue ne porte l'identifiant « {id} ». Elle a pu "
                      "être retirée par les bibliothèques qui la possédaient.",
    "error_410_title": "Notice retirée",
    "error_410_text": "La notice « {id} » n'est plus au catalogue : les bibliothèques qui "
                      "possédaient ce document l'ont retiré. Cherchez le titre à nouveau pour "
                      "en trouver une autre édition.",
    "error_503_title": "Catalogue momentanément indisponible",
    "error_503_text": "Le catalogue ne peut pas répondre pour l'instant. Réessayez dans "
                      "quelques minutes.",
    "error_back_home": "Retour à l'accueil du catalogue",
    "error_search_again": "Faire une nouvelle recherche",
    "technical_detail": "Détail technique (en anglais) :",
    "bad_query_length": "La recherche fait {length} caractères ; elle doit en faire au plus "
                        "{max}.",
    "bad_page": "« {value} » n'est pas un numéro de page : donnez un nombre entier à partir "
                "de 1.",
    "bad_page_too_far": "Les résultats ne sont affichés que jusqu'à la page {max}. Affinez la "
                        "recherche avec les filtres pour voir les suivants.",
    "bad_page_past_end_one": "Cette recherche n'a qu'une page de résultats.",
    "bad_page_past_end_other": "Cette recherche n'a que {n} pages de résultats.",
    "last_page_link": "Aller à la dernière page",
    "bad_sort": "Le tri « {value} » n'existe pas : choisissez pertinence, annee ou titre.",
    "bad_year": "« {value} » n'est pas une année : donnez une année en chiffres, par exemple "
                "1998.",
    "bad_too_many": "Trop de valeurs pour un même filtre : {max} au plus.",
    "bad_generic": "Cette recherche est trop longue ou trop complexe. Simplifiez-la, par "
                   "exemple avec moins de mots, et réessayez.",
    "months": "janvier février mars avril mai juin juillet août septembre octobre novembre "
              "décembre",
}

EN: dict[str, str] = {
    "site_title": "Network catalogue",
    "colon": ": ",
    "home_title": "Home",
    "skip_link": "Skip to content",
    "home_link": "Catalogue home",
    "language_nav": "Language",
    "search_label": "Search the catalogue",
    "search_hint": "Title, author, subject, ISBN… Leave empty to browse everything.",
    "search_button": "Search",
    "footer_network": "Union catalogue: {network}.",
    "home_intro": "Search the catalogues of every library of the network at once, and see "
                  "where each item is.",
    "tips_heading": "Search tips",
    "tip_words": "Type words of the title, an author's name, a subject or an ISBN.",
    "tip_phrase": "Put a phrase between quotes to find it as it is: \"le petit prince\".",
    "tip_truncation": "Add * to find words beginning that way: hist* finds histoire and "
                      "historique.",
    "tip_exclude": "Put - before a word to leave out what contains it: camus -peste.",
    "browse_all": "Browse the whole catalogue",
    "libraries_heading": "The libraries of the network",
    "results_for": "Results for “{query}”",
    "browse_title": "The whole catalogue",
    "page_n": "page {page}",
    "results_one": "{n} result",
    "results_other": "{n} results",
    "results_range": "Results {first} to {last} of {total}",
    "jump_to_facets": "Go to the filters to refine the search",
    "refine_heading": "Refine the search",
    "facet_library": "Library",
    "facet_format": "Type of document",
    "facet_language": "Language",
    "facet_year": "Year of publication",
    "facet_more": "Show {n} more choices",
    "facet_count_one": "{n} result",
    "facet_count_other": "{n} results",
    "facet_selected": "active filter, remove it",
    "active_filters": "Active filters",
    "remove_filter": "Remove the filter: {label}",
    "clear_filters": "Remove all filters",
    "available_filter": "On the shelf",
    "facet_available": "Availability",
    "available_only": "Only items on the shelf",
    "year_range": "Between two years",
    "year_from": "From year",
    "year_to": "To year",
    "year_between": "Years {low} to {high}",
    "year_since": "Since {low}",
    "year_until": "Until {high}",
    "apply": "Apply",
    "sort_label": "Sort by",
    "sort_relevance": "Relevance",
    "sort_year": "Year, newest first",
    "sort_title": "Title, A to Z",
    "sort_button": "Sort",
    "where_heading": "Where to find it",
    "by": "by {authors}",
    "not_given": "not given",
    "held_single_available": "Available",
    "held_available_one": "{n} copy available out of {total}",
    "held_available_other": "{n} copies available out of {total}",
    "held_on_loan_one": "On loan, due back {due}",
    "held_on_loan_other": "All copies are on loan, first due back {due}",
    "held_on_loan_undated": "On loan",
    "held_other": "Not on the shelf (see the record)",
    "held_no_items": "Copies not described",
    "status_available": "Available",
    "status_on_loan": "On loan",
    "status_not_for_loan": "Not for loan, to be consulted on site",
    "status_on_order": "On order",
    "status_lost": "Lost",
    "status_withdrawn": "Withdrawn",
    "status_other": "Library status “{code}”",
    "source_live": "Live from the library's catalogue.",
    "source_harvested": "As of the last harvest, on {date}.",
    "source_harvested_undated": "As of the last harvest.",
    "reason_timeout": "The library's catalogue did not answer in time.",
    "reason_unavailable": "The library's catalogue does not answer for now.",
    "reason_refused": "The library's catalogue could not be asked.",
    "reason_misconfigured": "The library's catalogue could not be asked.",
    "results_note": "Availability as of the last harvest of the catalogues; an item's record "
                    "gives it live when its library allows.",
    "no_results_for": "No results for “{query}”",
    "no_results_filters": "No results with these filters",
    "suggestions_heading": "Suggestions",
    "suggest_spelling": "Check the spelling of the words.",
    "suggest_fewer_words": "Try fewer words, or more general ones.",
    "suggest_truncation": "Search for the beginning of a word with *: hist* finds histoire "
                          "and historique.",
    "suggest_without_filters": "Run the search again without the filters",
    "pagination_label": "Result pages",
    "previous_page": "Previous page",
    "next_page": "Next page",
    "page_word": "Page",
    "record_heading_description": "Description",
    "field_title": "Title",
    "field_authors": "Authors",
    "field_year": "Year",
    "field_publisher": "Publisher",
    "field_pages": "Pages",
    "pages_count": "{n} pages",
    "field_format": "Type of document",
    "field_language": "Language",
    "record_heading_identifiers": "Identifiers",
    "record_heading_subjects": "Subjects",
    "subject_search": "Find items on this subject:",
    "record_heading_holdings": "Copies in the network",
    "holdings_caption": "Copies at: {library}",
    "holdings_caption_none": "{library}: copies not described in its record.",
    "col_branch": "Branch",
    "col_location": "Location",
    "col_call_number": "Call number",
    "col_status": "Status",
    "col_due_date": "Due back",
    "opac_link": "See the record in the catalogue of {library}",
    "record_heading_editions": "Other editions and formats",
    "record_page_title": "{title} — record",
    "error_400_title": "This search cannot be run",
    "error_404_title": "Record not found",
    "error_404_text": "No record of the catalogue has the identifier “{id}”. The libraries "
                      "that held it may have withdrawn it.",
    "error_410_title": "Record withdrawn",
    "error_410_text": "The record “{id}” is no longer in the catalogue: the libraries that "
                      "held this item have withdrawn it. Search for the title again to find "
                      "another edition.",
    "error_503_title": "Catalogue temporarily unavailable",
    "error_503_text": "The catalogue cannot answer for now. Try again in a few minutes.",
    "error_back_home": "Back to the catalogue home page",
    "error_search_again": "Search again",
    "technical_detail": "Technical detail:",
    "bad_query_length": "The search is {length} characters long; it may be at most {max}.",
    "bad_page": "“{value}” is not a page number: give a whole number from 1.",
    "bad_page_too_far": "Results are shown up to page {max}. Refine the search with the "
                        "filters to see further.",
    "bad_page_past_end_one": "This search has only one page of results.",
    "bad_page_past_end_other": "This search has only {n} pages of results.",
    "last_page_link": "Go to the last page",
    "bad_sort": "There is no sort “{value}”: choose pertinence, annee or titre.",
    "bad_year": "“{value}” is not a year: give a year in digits, for example 1998.",
    "bad_too_many": "Too many values for one filter: {max} at most.",
    "bad_generic": "This search is too long or too complex. Simplify it, for example with "
                   "fewer words, and try again.",
    "months": "January February March April May June July August September October November "
              "December",
}



def _french_spaces(text: str) -> str:
    """No-break spaces where French typography wants them: before : ; ? ! and », after «."""
    return re.sub(r" ([:;?!»])", "\u00a0\\1", text).replace("« ", "«\u00a0")


FR = {key: _french_spaces(value) for key, value in FR.items()}
TEXTS: dict[Lang, dict[str, str]] = {"fr": FR, "en": EN}
_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_ACCEPT = re.compile(r"\s*([A-Za-z]{1,8})(?:-[A-Za-z0-9]{1,8})*\s*(?:;\s*q\s*=\s*([0-9.]+))?")


@dataclass(frozen=True, slots=True)
class Texts:
    """The words of one language, as templates use them (``t("key", name=value)``)."""

    lang: Lang

    def __call__(self, key: str, **values: object) -> str:
        text = TEXTS[self.lang][key]
        return text.format(**values) if values else text

    def plural(self, key: str, n: int, **values: object) -> str:
        """``key_one`` or ``key_other`` for ``n``, with ``n`` written as a number."""
        one = n <= 1 if self.lang == "fr" else n == 1
        return self(f"{key}_{'one' if one else 'other'}", n=self.number(n), **values)

    def number(self, n: int) -> str:
        """1 202 in French (narrow no-break space), 1,202 in English."""
        return f"{n:,}".replace(",", "\u202f" if self.lang == "fr" else ",")

    def date(self, text: str | None) -> str:
        """An ISO date as people read it ("13 juillet 2023"); anything else as it is."""
        found = _ISO_DATE.fullmatch(text or "")
        if not found:
            return text or ""
        try:
            day = date(int(found[1]), int(found[2]), int(found[3]))
        except ValueError:
            return text or ""
        month = self("months").split()[day.month - 1]
        if self.lang == "fr":
            return f"{'1er' if day.day == 1 else day.day} {month} {day.year}"
        return f"{day.day} {month} {day.year}"


def chosen_language(request: Request) -> tuple[Lang, bool]:
    """The page's language, and whether ``?lang=`` asked for it (then it is remembered)."""
    asked = as_lang(request.query_params.get("lang", "").strip().lower())
    if asked is not None:
        return asked, True
    remembered = as_lang(request.cookies.get(COOKIE, ""))
    if remembered is not None:
        return remembered, False
    return from_accept_language(request.headers.get("accept-language", "")), False


def as_lang(value: str) -> Lang | None:
    """``value`` if it names an interface language."""
    return next((lang for lang in LANGS if lang == value), None)


def from_accept_language(header: str) -> Lang:
    """The supported language the browser prefers most (French when none is)."""
    best: tuple[float, int, Lang] | None = None
    for position, part in enumerate(header[:500].split(",")):
        found = _ACCEPT.fullmatch(part)
        if not found:
            continue
        lang = as_lang(found[1].lower())
        try:
            weight = float(found[2]) if found[2] else 1.0
        except ValueError:
            continue
        if lang is not None and weight > 0:
            candidate = (-weight, position, lang)
            best = candidate if best is None or candidate < best else best
    return best[2] if best else "fr"
