"""Word lists the generator draws from: French titles, names, publishers and subjects.

Plain data, kept apart so the generator reads as logic. Every name is invented or belongs to
public-domain authors and well-known publishers; no real catalogue record is copied.
"""

from __future__ import annotations

from typing import NamedTuple


class Publisher(NamedTuple):
    """A publisher or label: its name, its town, and its ISBN group-2 publisher prefix."""

    name: str
    place: str
    prefix: str


class Classic(NamedTuple):
    """A public-domain work with many editions (and often a film)."""

    surname: str
    forename: str
    dates: str
    title: str
    subtitle: str | None
    year: int


# Titles are built as head + tail; a bare head is a title too, so homonyms happen naturally.
TITLE_HEADS = (
    "La Maison", "L'Été", "Les Enfants", "Le Silence", "La Nuit", "L'Ombre", "Les Oubliés",
    "Le Jardin", "La Mémoire", "L'Hiver", "Les Heures", "Le Voyage", "La Promesse",
    "L'Enfance", "Les Lumières", "Le Chant", "La Fille", "L'Homme", "Les Saisons", "Le Secret",
    "La Route", "L'Île", "Les Vagues", "Le Dernier Hiver", "La Vie", "L'Attente", "Les Nuits",
    "Le Bal", "La Tempête", "L'Absence", "Les Racines", "Le Pays", "La Rivière", "L'Orage",
    "Les Chemins", "Le Fils", "La Mère", "L'Adieu", "Les Mots", "Le Retour", "La Traversée",
    "L'Aube", "Les Murmures", "Le Phare", "La Colère", "L'Exil", "Les Invisibles",
    "Le Temps", "La Lettre", "L'Inconnue", "Les Années", "Le Froid", "La Disparue",
    "L'Héritage", "Les Frères", "Le Labyrinthe", "La Forêt", "L'Odeur", "Les Âmes",
)
TITLE_TAILS = (
    "du phare", "de la rivière", "des oubliés", "d'Antoine", "sous la neige", "à Marseille",
    "des collines", "de l'autre rive", "du lac", "de minuit", "des vignes", "en Bretagne",
    "d'avant", "des anges", "du boulanger", "de Lisbonne", "des marées", "du nord",
    "sans retour", "de mon père", "des étoiles", "aux lilas", "de la Loire", "d'Orient",
    "de la dernière chance", "des brumes", "du port", "d'été", "de la gare", "des ombres",
    "au bord de l'eau", "de l'horloger", "des cendres", "du Vercors", "de Pondichéry",
    "du dernier été", "de la falaise", "des grands chemins", "du vieux moulin", "à Venise",
    "de l'écrivain", "des jours heureux", "du capitaine", "de la plage", "des silences",
    "en hiver", "de la vallée", "des pierres", "du facteur", "d'Irlande", "sur la lande",
    "de Saint-Malo", "des enfants perdus", "du bout du monde", "des anciens", "à l'aube",
)
SUBTITLES = (
    "roman", "récit", "nouvelles", "une enquête du commissaire Vernet", "chroniques",
    "souvenirs d'enfance", "roman noir", "conte philosophique", "une histoire vraie",
    "thriller", "saga familiale", "journal", "lettres", "roman graphique",
)
SURNAMES = (
    "Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand",
    "Leroy", "Moreau", "Simon", "Laurent", "Lefebvre", "Michel", "Garcia", "David",
    "Bertrand", "Roux", "Vincent", "Fournier", "Morel", "Girard", "André", "Lefèvre",
    "Mercier", "Dupont", "Lambert", "Bonnet", "François", "Martinez", "Legrand", "Garnier",
    "Faure", "Rousseau", "Blanc", "Guérin", "Muller", "Henry", "Roussel", "Nicolas",
    "Perrin", "Morin", "Mathieu", "Clément", "Gauthier", "Dumont", "Lopez", "Fontaine",
    "Chevalier", "Robin", "Masson", "Sanchez", "Gérard", "Nguyen", "Boyer", "Denis",
    "Lemaire", "Duval", "Joly", "Gautier", "Roger", "Roche", "Roy", "Noël", "Meyer",
    "Lucas", "Meunier", "Jean", "Perez", "Marchand", "Dufour", "Blanchard", "Marie",
    "Barbier", "Brun", "Dumas", "Brunet", "Schmitt", "Leroux", "Colin", "Fernandez",
    "Pierre", "Renard", "Arnaud", "Rolland", "Caron", "Aubert", "Giraud", "Leclerc",
    "Vidal", "Bourgeois", "Renaud", "Lemoine", "Picard", "Gaillard", "Philippe", "Leclercq",
    "Lacroix", "Fabre", "Dupuis", "Olivier", "Rodriguez", "Da Silva", "Hubert", "Louis",
    "Charles", "Guillot", "Rivière", "Le Gall", "Guillaume", "Adam", "Rey", "Moulin",
    "Gonzalez", "Berger", "Lecomte", "Menard", "Fleury", "Deschamps", "Carpentier", "Julien",
    "Benoît", "Paris", "Maillard", "Marchal", "Aubry", "Vasseur", "Le Roux", "Renault",
    "Jacquet", "Collet", "Prévost", "Poirier", "Charpentier", "Royer", "Huet", "Baron",
    "Dupuy", "Pons", "Paul", "Laine", "Carré", "Breton", "Rémy", "Schneider", "Perrot",
    "Guyot", "Barre", "Marty", "Cousin", "Benali", "Diallo", "Haddad", "Kowalski", "Tran",
)
FORENAMES = (
    "Marie", "Jean", "Anne", "Pierre", "Claire", "Michel", "Sophie", "Philippe", "Isabelle",
    "Alain", "Catherine", "Nicolas", "Nathalie", "François", "Julie", "Laurent", "Camille",
    "Olivier", "Élise", "Thomas", "Léa", "Antoine", "Manon", "Hélène", "Julien", "Agnès",
    "Christophe", "Sylvie", "Émilie", "Stéphane", "Valérie", "Guillaume", "Cécile", "Yves",
    "Aurélie", "Benoît", "Delphine", "Sébastien", "Florence", "Mathieu", "Inès", "Karim",
    "Lucie", "Hugo", "Chloé", "Théo", "Jeanne", "Louis", "Maëlle", "Paul", "Amandine",
    "Bernard", "Patricia", "Gilles", "Odile", "Rémi", "Nadia", "Yannick", "Solène", "Franck",
    "Margaux", "Jean-Pierre", "Marie-Hélène", "Jean-Luc", "Anne-Sophie", "Pierre-Yves",
)
CLASSICS = (
    Classic("Hugo", "Victor", "1802-1885", "Les Misérables", None, 1862),
    Classic("Hugo", "Victor", "1802-1885", "Notre-Dame de Paris", "1482", 1831),
    Classic("Zola", "Émile", "1840-1902", "Germinal", None, 1885),
    Classic("Zola", "Émile", "1840-1902", "L'Assommoir", None, 1877),
    Classic("Dumas", "Alexandre", "1802-1870", "Le Comte de Monte-Cristo", None, 1844),
    Classic("Dumas", "Alexandre", "1802-1870", "Les Trois Mousquetaires", None, 1844),
    Classic("Flaubert", "Gustave", "1821-1880", "Madame Bovary", "mœurs de province", 1857),
    Classic("Stendhal", "", "1783-1842", "Le Rouge et le Noir", "chronique de 1830", 1830),
    Classic("Verne", "Jules", "1828-1905", "Vingt mille lieues sous les mers", None, 1870),
    Classic("Verne", "Jules", "1828-1905", "Le Tour du monde en quatre-vingts jours", None,
            1873),
    Classic("Balzac", "Honoré de", "1799-1850", "Le Père Goriot", None, 1835),
    Classic("Maupassant", "Guy de", "1850-1893", "Bel-Ami", None, 1885),
    Classic("Sand", "George", "1804-1876", "La Mare au diable", None, 1846),
    Classic("Hugo", "Victor", "1802-1885", "Quatrevingt-treize", None, 1874),
    Classic("Leroux", "Gaston", "1868-1927", "Le Mystère de la chambre jaune", None, 1907),
    Classic("Leblanc", "Maurice", "1864-1941", "Arsène Lupin, gentleman-cambrioleur", None,
            1907),
    Classic("Alain-Fournier", "", "1886-1914", "Le Grand Meaulnes", None, 1913),
    Classic("Daudet", "Alphonse", "1840-1897", "Lettres de mon moulin", None, 1869),
    Classic("Colette", "", "1873-1954", "La Maison de Claudine", None, 1922),
    Classic("Radiguet", "Raymond", "1903-1923", "Le Diable au corps", None, 1923),
)

LITERARY = (
    Publisher("Gallimard", "Paris", "07"), Publisher("Actes Sud", "Arles", "330"),
    Publisher("Flammarion", "Paris", "08"), Publisher("Albin Michel", "Paris", "226"),
    Publisher("Grasset", "Paris", "246"), Publisher("Éditions du Seuil", "Paris", "02"),
    Publisher("Stock", "Paris", "234"), Publisher("P.O.L", "Paris", "8180"),
    Publisher("Éditions de Minuit", "Paris", "7073"), Publisher("Robert Laffont", "Paris", "221"),
    Publisher("Fayard", "Paris", "213"), Publisher("JC Lattès", "Paris", "7096"),
    Publisher("L'Iconoclaste", "Paris", "37880"), Publisher("Sabine Wespieser", "Paris", "84805"),
)
POCKET = (
    Publisher("Folio", "Paris", "07"), Publisher("Le Livre de poche", "Paris", "253"),
    Publisher("Pocket", "Paris", "266"), Publisher("J'ai lu", "Paris", "290"),
    Publisher("Points", "Paris", "7578"), Publisher("Babel", "Arles", "7427"),
)
CLASSIC_EDITORS = (
    Publisher("Gallimard", "Paris", "07"), Publisher("Flammarion", "Paris", "08"),
    Publisher("Le Livre de poche", "Paris", "253"), Publisher("Folio", "Paris", "07"),
    Publisher("Pocket", "Paris", "266"), Publisher("Hatier", "Paris", "218"),
    Publisher("Belin éducation", "Paris", "410"),
)
LARGE_PRINT = (
    Publisher("À vue d'oeil", "Paris", "84666"),
    Publisher("Éditions de la Loupe", "Paris", "84868"),
    Publisher("Feryane", "Paris", "84011"), Publisher("Libra Diffusio", "Le Mans", "84492"),
)
AUDIO = (
    Publisher("Audiolib", "Paris", "367"), Publisher("Gallimard", "Paris", "07"),
    Publisher("Éditions Thélème", "Paris", "87862"), Publisher("Lizzie", "Paris", "283"),
)
EBOOK = (
    Publisher("Gallimard", "Paris", "07"), Publisher("Actes Sud", "Arles", "330"),
    Publisher("Flammarion", "Paris", "08"), Publisher("Albin Michel", "Paris", "226"),
)
YOUTH = (
    Publisher("Hachette jeunesse", "Vanves", "01"), Publisher("Gallimard jeunesse", "Paris", "07"),
    Publisher("L'École des loisirs", "Paris", "211"), Publisher("Bayard jeunesse", "Montrouge",
                                                                "7470"),
    Publisher("Nathan", "Paris", "09"), Publisher("Rageot", "Paris", "7002"),
)
COMICS = (
    Publisher("Dargaud", "Paris", "205"), Publisher("Casterman", "Bruxelles", "203"),
    Publisher("Dupuis", "Marcinelle", "8001"), Publisher("Delcourt", "Paris", "7560"),
    Publisher("Glénat", "Grenoble", "7234"), Publisher("Futuropolis", "Paris", "7548"),
)
ESSAYS = (
    Publisher("La Découverte", "Paris", "7071"), Publisher("Presses universitaires de France",
                                                           "Paris", "13"),
    Publisher("Armand Colin", "Malakoff", "200"), Publisher("Tallandier", "Paris", "84734"),
    Publisher("Perrin", "Paris", "262"), Publisher("Odile Jacob", "Paris", "7381"),
    Publisher("Larousse", "Paris", "03"), Publisher("Marabout", "Vanves", "501"),
)
FILM_STUDIOS = (
    Publisher("Studiocanal", "Issy-les-Moulineaux", ""), Publisher("Pathé", "Paris", ""),
    Publisher("Gaumont", "Neuilly-sur-Seine", ""), Publisher("TF1 vidéo", "Boulogne", ""),
    Publisher("Arte éditions", "Issy-les-Moulineaux", ""), Publisher("Diaphana", "Paris", ""),
)
LABELS = (
    Publisher("Universal Music France", "Paris", ""), Publisher("Naïve", "Paris", ""),
    Publisher("Harmonia Mundi", "Arles", ""), Publisher("Warner Music France", "Paris", ""),
    Publisher("Because Music", "Paris", ""), Publisher("Tôt ou tard", "Paris", ""),
)
SCORE_EDITORS = (
    Publisher("Henry Lemoine", "Paris", ""), Publisher("Éditions Billaudot", "Paris", ""),
    Publisher("Durand", "Paris", ""), Publisher("Bärenreiter", "Kassel", ""),
)
MAP_EDITORS = (Publisher("IGN", "Saint-Mandé", "7585"), Publisher("Michelin", "Boulogne", "06"))
GAME_EDITORS = (
    Publisher("Asmodee", "Guyancourt", ""), Publisher("Iello", "Heillecourt", ""),
    Publisher("Repos Production", "Bruxelles", ""), Publisher("Gigamic", "Wimille", ""),
    Publisher("Days of Wonder", "Paris", ""), Publisher("Blue Orange", "Pont-à-Mousson", ""),
)
VIDEO_GAME_EDITORS = (
    Publisher("Nintendo", "Francfort", ""), Publisher("Ubisoft", "Saint-Mandé", ""),
    Publisher("Sony Interactive Entertainment", "Paris", ""), Publisher("Focus Entertainment",
                                                                       "Paris", ""),
)
PERIODICAL_EDITORS = (
    Publisher("Télérama", "Paris", ""), Publisher("Prisma Media", "Gennevilliers", ""),
    Publisher("Bayard presse", "Montrouge", ""), Publisher("Milan presse", "Toulouse", ""),
)

SUBJECTS_FICTION = (
    ("Roman policier",), ("Roman historique",), ("Science-fiction",), ("Roman d'amour",),
    ("Famille", "Romans, nouvelles, etc."), ("Deuil", "Romans, nouvelles, etc."),
    ("Adolescence", "Romans, nouvelles, etc."), ("Guerre mondiale (1939-1945)", "Romans"),
    ("Bretagne (France)", "Romans, nouvelles, etc."), ("Amitié", "Romans, nouvelles, etc."),
    ("Émigration et immigration", "Romans, nouvelles, etc."), ("Roman psychologique",),
)
SUBJECTS_YOUTH = (
    ("Aventure", "Romans, nouvelles, etc. pour la jeunesse"),
    ("Amitié", "Romans, nouvelles, etc. pour la jeunesse"),
    ("École", "Romans, nouvelles, etc. pour la jeunesse"),
    ("Animaux", "Romans, nouvelles, etc. pour la jeunesse"),
)
SUBJECTS_COMICS = (
    ("Bandes dessinées",), ("Bandes dessinées", "Aventure"), ("Humour", "Bandes dessinées"),
    ("Science-fiction", "Bandes dessinées"),
)
# (heading parts, Dewey class, essay title)
ESSAY_TOPICS = (
    (("Histoire", "France", "20e siècle"), "944.08", "Histoire de la France contemporaine"),
    (("Guerre mondiale (1939-1945)", "France"), "940.53", "La France dans la guerre"),
    (("Résistance (1939-1945)", "France"), "940.5344", "Les résistants"),
    (("Cuisine française",), "641.594 4", "La cuisine de nos grands-mères"),
    (("Jardinage",), "635", "Le potager sans effort"),
    (("Écologie",), "577", "Comprendre les écosystèmes"),
    (("Philosophie",), "100", "Petite histoire de la philosophie"),
    (("Sociologie urbaine", "France"), "307.76", "Vivre en ville"),
    (("Randonnée pédestre", "Alpes (France)"), "796.51", "Randonnées dans les Alpes"),
    (("Climat", "Changements"), "551.6", "Le climat qui vient"),
    (("Psychologie de l'enfant",), "155.4", "Comprendre son enfant"),
    (("Bretagne (France)", "Histoire"), "944.1", "Histoire de la Bretagne"),
)
MUSIC_GENRES = (
    (("Chanson française", "21e siècle"), "099"), (("Jazz",), "1.3"), (("Rock", "France"), "2.4"),
    (("Musique classique",), "3.1"), (("Musiques du monde", "Afrique de l'Ouest"), "5"),
)
ALBUM_WORDS = (
    "Lumière", "Nos années", "Plein été", "Retour à la mer", "Les Chansons d'avant",
    "Ciel ouvert", "Rue des Martyrs", "Mélancolie", "Transit", "Sous les néons",
)
SCORE_TITLES = (
    "Méthode de piano pour débutants", "Sonates pour violon", "Études pour guitare",
    "Chansons traditionnelles pour chœur", "Pièces faciles pour flûte à bec",
)
COMICS_SERIES = (
    "Les Mondes de Vega", "L'Auberge du bout du monde", "Capitaine Sirocco", "La Brigade des loups",
    "Les Chroniques de Lanmeur", "Détective Mia", "Les Naufragés du temps", "Rue des Embruns",
)
YOUTH_SERIES = (
    "Les P'tites Enquêtes", "Le Collège des sorciers", "Mission Océan", "La Bande du square",
    "Les Gardiens du phare", "Lili et les dragons",
)
VOLUME_TITLES = (
    "Le Commencement", "La Trahison", "Le Passage", "L'Héritière", "La Dernière Porte",
    "Le Grand Départ", "L'Archipel", "La Révolte",
)
BOARD_GAMES = (
    "Les Aventuriers du rail", "Dixit", "Codenames", "Skyjo", "Azul", "7 Wonders", "Carcassonne",
    "Splendor", "Dobble", "Mysterium", "Kingdomino", "Takenoko", "Le Petit Prince", "Bandido",
)
VIDEO_GAMES = (
    "Les Gardiens de Lumina", "Rallye des Alpes", "Cité des songes", "Odyssée sous-marine",
    "Légendes de Brocéliande", "Super Kart Party",
)
PLATFORMS = ("Nintendo Switch", "PlayStation 5", "Xbox Series X")
TOWNS = (
    "Poitiers", "Châtellerault", "Niort", "Angoulême", "Limoges", "Tours", "Blois", "Vendôme",
    "Saumur", "Cholet", "Parthenay", "Loudun", "Montmorillon", "Melle", "Cognac", "Saintes",
    "Rochefort", "Royan", "Bressuire", "Thouars", "Confolens", "Ruffec", "Civray", "Lusignan",
)
REGIONS = (
    "l'Ouest", "la Vienne", "Nouvelle-Aquitaine", "Poitou-Charentes", "la Touraine",
    "l'Anjou", "la Saintonge", "l'Aunis", "la Gâtine", "la Charente",
)
PERIODICAL_PATTERNS = (
    "Bulletin de la Société historique de {town}", "{town} magazine",
    "Cahiers du patrimoine de {town}", "Revue d'histoire de {region}", "La Lettre de {town}",
    "Annales de {region}", "Le Journal des jardiniers de {region}", "Nature en {region}",
)
MASSIFS = (
    "Massif du Vercors", "Baie du Mont-Saint-Michel", "Côte de granit rose", "Lac d'Annecy",
    "Gorges du Tarn", "Marais poitevin", "Forêt de Brocéliande", "Monts d'Arrée",
    "Plateau de Millevaches", "Pays basque", "Cirque de Gavarnie", "Massif de la Chartreuse",
    "Île de Ré", "Île d'Oléron", "Vallée de la Vienne", "Forêt de Fontainebleau",
    "Mont Ventoux", "Gorges de l'Ardèche", "Cap Corse", "Aubrac", "Causse Méjean",
)
SUMMARIES = (
    "À la mort de sa mère, {name} revient dans la maison de son enfance et découvre un "
    "secret de famille.",
    "Un été, dans un village {tail}, deux adolescents voient leur amitié mise à l'épreuve.",
    "Le commissaire Vernet enquête sur une disparition {tail}.",
    "{name} quitte tout pour recommencer sa vie {tail}.",
    "Trois générations de femmes, de l'après-guerre à nos jours.",
    "Chronique d'une ville ouvrière et de ceux qui l'ont faite.",
)
# Subject subdivisions that are places (MARC 21 650$z, UNIMARC 606$y).
PLACES = frozenset({"France", "Alpes (France)", "Afrique de l'Ouest"})
ROLES = {
    "author": ("070", "aut", "Auteur"),
    "illustrator": ("440", "ill", "Illustrateur"),
    "translator": ("730", "trl", "Traducteur"),
    "director": ("300", "drt", "Réalisateur"),
    "narrator": ("010", "nrt", "Lecteur"),
    "composer": ("230", "cmp", "Compositeur"),
    "performer": ("590", "prf", "Interprète"),
    "cartographer": ("180", "ctg", "Cartographe"),
    "designer": ("070", "aut", "Auteur"),
}
