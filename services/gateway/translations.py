"""Every word of the gateway's pages, one table per language, the same keys in each."""

from __future__ import annotations

from services.search.labels import Lang

FR: dict[str, str] = {
    "site_title": "Ressources numériques",
    "skip_link": "Aller au contenu",
    "language_nav": "Langue",
    "footer_network": "Ressources numériques du réseau : {network}.",
    "signin_title": "Connexion",
    "signin_intro": "Connectez-vous avec votre carte de bibliothèque pour accéder à la presse, "
                    "aux films, à la musique, à l'autoformation et aux livres numériques du "
                    "réseau.",
    "library_label": "Votre bibliothèque",
    "library_hint": "Inutile si votre numéro de carte suffit à la reconnaître.",
    "library_from_card": "D'après mon numéro de carte",
    "card_label": "Numéro de carte",
    "card_hint": "Le numéro imprimé sous le code-barres de votre carte.",
    "pin_label": "Code personnel (PIN)",
    "pin_hint": "Le code que vous a remis votre bibliothèque. Oublié ? Demandez-le à l'accueil.",
    "signin_button": "Se connecter",
    "refused": "Numéro de carte ou code personnel incorrect. Vérifiez-les et réessayez.",
    "locked": "Trop d'essais ont échoué. Par sécurité, la connexion est bloquée pendant "
              "{minutes} minute(s). Réessayez ensuite, ou demandez votre code à votre "
              "bibliothèque.",
    "unavailable": "Le système de votre bibliothèque ne répond pas pour l'instant. Réessayez "
                   "dans quelques minutes.",
    "choose_library": "Nous n'avons pas reconnu votre bibliothèque d'après le numéro de carte : "
                      "choisissez-la dans la liste.",
    "form_expired": "Le formulaire a expiré. Saisissez à nouveau vos informations.",
    "not_admitted_expired": "Votre carte a expiré le {date} : votre bibliothèque peut la "
                            "renouveler.",
    "not_admitted_expired_undated": "Votre carte a expiré : votre bibliothèque peut la "
                                    "renouveler.",
    "not_admitted_lost": "Votre carte est signalée perdue : votre bibliothèque peut la "
                         "réactiver ou vous en remettre une nouvelle.",
    "not_admitted_blocked": "Votre compte est suspendu : votre bibliothèque vous dira pourquoi "
                            "et comment le rétablir.",
    "not_admitted_category": "Votre type d'abonnement ne donne pas accès aux ressources "
                             "numériques du réseau : votre bibliothèque vous dira lequel y "
                             "donne accès.",
    "library_contact": "Contacter {library} : {contact}",
    "library_desk": "Adressez-vous à l'accueil de {library}.",
    "signed_out": "Vous êtes déconnecté.",
    "onward_title": "Connexion réussie",
    "onward_text": "Vous êtes connecté. La page demandée s'ouvre.",
    "onward_link": "Continuer vers la page demandée",
    "signed_out_everywhere": "Vous êtes déconnecté sur tous vos appareils.",
    "resources_title": "Mes ressources numériques",
    "resources_intro": "Compte de {library} ({category}). Ouvrez une ressource : vous n'aurez "
                       "pas à vous reconnecter.",
    "no_resources": "Aucune ressource numérique n'est ouverte à votre compte pour l'instant.",
    "open": "Ouvrir {name}",
    "until": "Jusqu'au {date}",
    "signout_button": "Se déconnecter",
    "signout_everywhere_button": "Se déconnecter partout",
    "category_adult": "adulte",
    "category_youth": "jeunesse",
    "kind_press": "Presse",
    "kind_video": "Films",
    "kind_music": "Musique",
    "kind_training": "Autoformation",
    "kind_e-book": "Livres numériques",
    "kind_games": "Jeux",
    "error_403_title": "Ressource non incluse",
    "error_403_text": "Cette ressource n'est pas ouverte aux abonnés de votre bibliothèque ou de "
                      "votre catégorie, ou pas à cette date.",
    "error_404_title": "Page introuvable",
    "error_404_text": "Aucune page ni ressource ne se trouve à cette adresse.",
    "error_400_title": "Demande incorrecte",
    "error_cross_site_title": "Formulaire refusé",
    "error_cross_site_text": "Ce formulaire n'a pas été envoyé depuis une page de ce site : il n'a "
                             "pas été pris en compte. Ouvrez la page de connexion de votre "
                             "bibliothèque et réessayez.",
    "error_back": "Retour à mes ressources",
    "months": "janvier février mars avril mai juin juillet août septembre octobre novembre "
              "décembre",
    "privacy_note": "Les éditeurs ne reçoivent ni votre nom ni votre numéro de carte : seulement "
                    "un pseudonyme qui leur est propre, votre bibliothèque et votre catégorie.",
    # CAS (services/gateway/cas.py)
    "cas_unknown_service_title": "Adresse de retour inconnue",
    "cas_unknown_service_text": "Le site qui vous a envoyé ici n'est pas un service enregistré "
                                "d'un éditeur du réseau. Par sécurité, nous ne vous y renvoyons "
                                "pas. Ouvrez plutôt vos ressources depuis cette page.",
    "cas_not_entitled_title": "Accès non inclus",
    "cas_not_entitled_text": "Votre compte ne donne pas accès à {vendor} : cette ressource "
                             "n'est pas ouverte aux abonnés de votre bibliothèque ou de votre "
                             "catégorie, ou pas à cette date.",
    "cas_bad_request_title": "Demande incorrecte",
    "cas_bad_request_text": "L'adresse de cette demande est incorrecte ou trop longue. "
                            "Revenez au site de l'éditeur et réessayez.",
    "cas_signed_out_title": "Vous êtes déconnecté",
    "cas_signed_out_text": "Votre session est terminée sur ce navigateur. Les sites des "
                           "éditeurs peuvent garder leur propre session : fermez le navigateur "
                           "sur un ordinateur partagé.",
    "cas_signin_again": "Se reconnecter",
}

EN: dict[str, str] = {
    "site_title": "Digital resources",
    "skip_link": "Skip to content",
    "language_nav": "Language",
    "footer_network": "Digital resources of the network: {network}.",
    "signin_title": "Sign in",
    "signin_intro": "Sign in with your library card to reach the network's online press, "
                    "films, music, self-training and e-books.",
    "library_label": "Your library",
    "library_hint": "Not needed when your card number is enough to tell.",
    "library_from_card": "From my card number",
    "card_label": "Card number",
    "card_hint": "The number printed under the barcode of your card.",
    "pin_label": "Personal code (PIN)",
    "pin_hint": "The code your library gave you. Forgotten? Ask at the desk.",
    "signin_button": "Sign in",
    "refused": "Wrong card number or personal code. Check them and try again.",
    "locked": "Too many attempts failed. For your safety, signing in is blocked for "
              "{minutes} minute(s). Try again then, or ask your library for your code.",
    "unavailable": "Your library's system does not answer at the moment. Try again in a few "
                   "minutes.",
    "choose_library": "We could not tell your library from the card number: choose it from "
                      "the list.",
    "form_expired": "The form expired. Please enter your details again.",
    "not_admitted_expired": "Your card expired on {date}: your library can renew it.",
    "not_admitted_expired_undated": "Your card has expired: your library can renew it.",
    "not_admitted_lost": "Your card is reported lost: your library can reactivate it or give "
                         "you a new one.",
    "not_admitted_blocked": "Your account is suspended: your library will tell you why and how "
                            "to restore it.",
    "not_admitted_category": "Your kind of membership does not include the network's digital "
                             "resources: your library will tell you which one does.",
    "library_contact": "Contact {library}: {contact}",
    "library_desk": "Ask at the desk of {library}.",
    "signed_out": "You are signed out.",
    "onward_title": "Signed in",
    "onward_text": "You are signed in. The page you asked for is opening.",
    "onward_link": "Go on to the page you asked for",
    "signed_out_everywhere": "You are signed out on all your devices.",
    "resources_title": "My digital resources",
    "resources_intro": "Account of {library} ({category}). Open a resource: you will not have "
                       "to sign in again.",
    "no_resources": "No digital resource is open to your account at the moment.",
    "open": "Open {name}",
    "until": "Until {date}",
    "signout_button": "Sign out",
    "signout_everywhere_button": "Sign out everywhere",
    "category_adult": "adult",
    "category_youth": "youth",
    "kind_press": "Press",
    "kind_video": "Films",
    "kind_music": "Music",
    "kind_training": "Self-training",
    "kind_e-book": "E-books",
    "kind_games": "Games",
    "error_403_title": "Resource not included",
    "error_403_text": "This resource is not open to the patrons of your library or category, "
                      "or not on this date.",
    "error_404_title": "Page not found",
    "error_404_text": "No page or resource is at this address.",
    "error_400_title": "Bad request",
    "error_cross_site_title": "Form refused",
    "error_cross_site_text": "This form was not sent from a page of this site, so nothing was "
                             "done. Open your library's sign-in page and try again.",
    "error_back": "Back to my resources",
    "months": "January February March April May June July August September October November "
              "December",
    "privacy_note": "Vendors receive neither your name nor your card number: only a pseudonym "
                    "of their own, your library and your category.",
    # CAS (services/gateway/cas.py)
    "cas_unknown_service_title": "Unknown return address",
    "cas_unknown_service_text": "The site that sent you here is not a registered service of "
                                "one of the network's vendors. For your safety, we do not send "
                                "you back there. Open your resources from this site instead.",
    "cas_not_entitled_title": "Access not included",
    "cas_not_entitled_text": "Your account does not give access to {vendor}: this resource is "
                             "not open to the patrons of your library or category, or not on "
                             "this date.",
    "cas_bad_request_title": "Bad request",
    "cas_bad_request_text": "The address of this request is wrong or too long. Go back to the "
                            "vendor's site and try again.",
    "cas_signed_out_title": "You are signed out",
    "cas_signed_out_text": "Your session has ended in this browser. Vendors' sites may keep "
                           "their own session: close the browser on a shared computer.",
    "cas_signin_again": "Sign in again",
}

TEXTS: dict[Lang, dict[str, str]] = {"fr": FR, "en": EN}
