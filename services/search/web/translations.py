"""Every word of the web catalogue, one table per language (the same keys in both).

Values are ``str.format`` templates (``"Résultats pour « {query} »"``); keys ending in
``_one`` / ``_other`` are the two forms of a plural (``i18n.Texts.plural``). French text gets
its no-break spaces (before : ; ? ! », after «) when the module loads, so the tables are
typed with plain spaces.
"""

from __future__ import annotations

import re

from services.search.labels import Lang

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
    "footer_accessibility": "Accessibilité : non conforme (aucun audit réalisé)",
    "a11y_title": "Déclaration d'accessibilité",
    "a11y_commitment": "{network} s'engage à rendre son catalogue en ligne accessible, "
                       "conformément à l'article 47 de la loi n° 2005-102 du 11 février 2005. "
                       "Cette déclaration porte sur le catalogue commun (ces pages).",
    "a11y_status_heading": "État de conformité",
    "a11y_status": "Aucun audit de conformité au référentiel général d'amélioration de "
                   "l'accessibilité (RGAA 4.1) n'a encore été réalisé : le catalogue est donc "
                   "déclaré non conforme jusqu'à ce qu'un audit en mesure le taux de "
                   "conformité. Il est pourtant conçu et vérifié pour l'être.",
    "a11y_checks_heading": "Ce qui est vérifié à chaque version",
    "a11y_check_axe": "Chaque type de page, en français et en anglais, est analysé par "
                      "l'outil axe-core selon les critères WCAG 2.1 niveaux A et AA : aucune "
                      "erreur n'est admise.",
    "a11y_check_keyboard": "Tout se fait au clavier : un lien d'évitement mène au contenu et "
                           "l'élément actif est toujours visible.",
    "a11y_check_small_screens": "Les pages se lisent sur un écran de 320 pixels de large sans "
                                "défilement horizontal, et avec un texte agrandi.",
    "a11y_check_no_script": "Les pages fonctionnent sans JavaScript.",
    "a11y_check_languages": "La langue de chaque page est déclarée, et celle des titres en "
                            "langue étrangère aussi.",
    "a11y_contact_heading": "Retour d'information et contact",
    "a11y_contact": "Si vous ne parvenez pas à accéder à un contenu ou à un service, écrivez-"
                    "nous : nous vous orienterons vers une autre façon d'y accéder, ou vous "
                    "le fournirons sous une autre forme.",
    "a11y_recourse_heading": "Voies de recours",
    "a11y_recourse": "Si vous nous avez signalé un défaut d'accessibilité qui vous empêche "
                     "d'accéder à un contenu ou à un service et que vous n'avez pas obtenu de "
                     "réponse satisfaisante, vous pouvez saisir le Défenseur des droits :",
    "a11y_recourse_form": "par le formulaire en ligne du Défenseur des droits",
    "a11y_recourse_post": "par courrier gratuit, sans timbre : Défenseur des droits, Libre "
                          "réponse 71120, 75342 Paris CEDEX 07.",
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
    "online_holder": "En ligne — {name}",
    "online_access": "Accéder en ligne",
    "online_note": "Avec votre carte de bibliothèque, si votre inscription y donne droit.",
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
    "page_404_title": "Page introuvable",
    "page_404_text": "Aucune page du catalogue ne se trouve à cette adresse. Elle a pu être "
                     "mal recopiée ; cherchez depuis l'accueil.",
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
    "footer_accessibility": "Accessibility: not compliant (no audit carried out)",
    "a11y_title": "Accessibility statement",
    "a11y_commitment": "{network} is committed to making its online catalogue accessible, "
                       "under article 47 of French law no. 2005-102 of 11 February 2005. "
                       "This statement covers the union catalogue (these pages).",
    "a11y_status_heading": "Compliance status",
    "a11y_status": "No audit against the French accessibility framework (RGAA 4.1) has been "
                   "carried out yet: the catalogue is therefore declared not compliant until "
                   "an audit measures its compliance rate. It is nonetheless designed and "
                   "checked to comply.",
    "a11y_checks_heading": "What is checked in every version",
    "a11y_check_axe": "Every kind of page, in French and in English, is analysed by axe-core "
                      "against WCAG 2.1 levels A and AA: no error is allowed.",
    "a11y_check_keyboard": "Everything works with the keyboard: a skip link leads to the "
                           "content and the focused element is always visible.",
    "a11y_check_small_screens": "Pages read on a 320-pixel-wide screen without horizontal "
                                "scrolling, and with enlarged text.",
    "a11y_check_no_script": "Pages work without JavaScript.",
    "a11y_check_languages": "Each page declares its language, and so do titles in another "
                            "language.",
    "a11y_contact_heading": "Feedback and contact",
    "a11y_contact": "If you cannot reach some content or service, write to us: we will point "
                    "you to another way to reach it, or provide it in another form.",
    "a11y_recourse_heading": "Recourse",
    "a11y_recourse": "If you reported an accessibility problem that keeps you from some "
                     "content or service and did not get a satisfactory answer, you can refer "
                     "the matter to the Défenseur des droits (the French rights ombudsman):",
    "a11y_recourse_form": "with the Défenseur des droits' online form",
    "a11y_recourse_post": "by free post, without a stamp: Défenseur des droits, Libre "
                          "réponse 71120, 75342 Paris CEDEX 07.",
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
    "online_holder": "Online — {name}",
    "online_access": "Access online",
    "online_note": "With your library card, if your membership includes it.",
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
    "page_404_title": "Page not found",
    "page_404_text": "No page of the catalogue is at this address. It may have been copied "
                     "wrongly; search from the home page.",
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
