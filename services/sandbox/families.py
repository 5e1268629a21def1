"""The families of the generated catalogue: how each group of three manifestations is built.

Each builder takes a :class:`Draw` (the group's random choices) and returns a
:class:`~services.sandbox.works.Group`. Works are built by cached functions keyed by what
identifies them (title and author, series and volume...), so the same key always gives the
same work, whichever group draws it.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import replace
from functools import cache, lru_cache
from typing import TypeVar

from catalogue_sync.models import Format
from services.sandbox import vocabulary as vocab
from services.sandbox.identifiers import ean13, isbn13
from services.sandbox.vocabulary import Publisher
from services.sandbox.works import (
    Group,
    Manifestation,
    Person,
    Pool,
    Relation,
    Work,
    manifestation_id,
    mix,
    slot_format,
    text_code,
)

T = TypeVar("T")

TITLES: tuple[str, ...] = (
    vocab.TITLE_HEADS
    + tuple(f"{head} {tail}" for head in vocab.TITLE_HEADS for tail in vocab.TITLE_TAILS)
)
PEOPLE = len(vocab.SURNAMES) * len(vocab.FORENAMES)
COMIC_SERIES: tuple[str, ...] = vocab.COMICS_SERIES + vocab.TITLE_HEADS
# Formats that carry an ISBN (maps too: IGN maps have one).
PRINTED = frozenset({Format.BOOK, Format.LARGE_PRINT, Format.EBOOK, Format.AUDIOBOOK, Format.MAP})


class Draw:
    """The random choices of one group, with helpers to build its manifestations."""

    def __init__(self, seed: int, pool: Pool, group: int) -> None:
        self.seed = seed
        self.pool = pool
        self.group = group
        self.rng = random.Random(mix(seed, text_code(pool), group, 3))

    def pick(self, choices: Sequence[T]) -> T:
        return choices[self.rng.randrange(len(choices))]

    def other_person(self, than: int) -> int:
        """A person index different from ``than`` (homonyms need two distinct authors)."""
        return (than + 1 + self.rng.randrange(PEOPLE - 1)) % PEOPLE

    def manifestation(
        self, slot: int, work: Work, publisher: Publisher, year: int, extent: int,
        fmt: Format = Format.BOOK,
    ) -> Manifestation:
        """A manifestation with an ISBN (books from ISBN-holding publishers) or an EAN."""
        number = self.rng.randrange(10**7)
        printed = fmt in PRINTED
        isbn = isbn13(publisher.prefix, number) if printed and publisher.prefix else None
        ean = None if isbn or fmt in (Format.PERIODICAL, Format.EBOOK) else ean13(number)
        bnf = f"{self.rng.randrange(30_000_000, 48_000_000)}" if self.rng.random() < 0.7 else None
        return Manifestation(
            id=manifestation_id(self.pool, self.group, slot), work=work, format=fmt,
            publisher=publisher, year=min(year, 2025), extent=extent, isbn=isbn, ean=ean,
            bnf=bnf if printed or fmt is Format.VIDEO else None,
        )


def person(index: int, role: str = "author") -> Person:
    """The person with this index; about a third have dates (an authority record)."""
    surname, forename = divmod(index % PEOPLE, len(vocab.FORENAMES))
    born = 1930 + mix(index, 5) % 70
    dates = f"{born}-" if mix(index, 6) % 3 == 0 else None
    return Person(vocab.SURNAMES[surname], vocab.FORENAMES[forename], dates, role)


def summary(rng: random.Random) -> str:
    """A one-sentence blurb (520 / 330)."""
    template = rng.choice(vocab.SUMMARIES)
    return template.format(name=rng.choice(vocab.FORENAMES), tail=rng.choice(vocab.TITLE_TAILS))


@lru_cache(maxsize=65536)
def novel_work(seed: int, title: int, author: int) -> Work:
    """A contemporary novel, identified by its title and author."""
    rng = random.Random(mix(seed, 11, title, author))
    return Work(
        id=f"w-novel-{title}-{author}", family="novel", title=TITLES[title],
        subtitle=rng.choice(vocab.SUBTITLES) if rng.random() < 0.45 else None,
        creators=(person(author),), subjects=tuple(rng.sample(vocab.SUBJECTS_FICTION, 2)),
        year=rng.randint(1975, 2024), summary=summary(rng),
    )


@cache
def classic_work(index: int) -> Work:
    """A public-domain classic: one work whatever the edition."""
    c = vocab.CLASSICS[index]
    return Work(
        id=f"w-classic-{index}", family="classic", title=c.title, subtitle=c.subtitle,
        creators=(Person(c.surname, c.forename, c.dates),),
        subjects=(("Roman français", "19e siècle"),), year=c.year,
    )


def novel(d: Draw) -> Group:
    """A novel in its first edition, in paperback, and in a third form."""
    work = novel_work(d.seed, d.rng.randrange(len(TITLES)), d.rng.randrange(PEOPLE))
    pages = d.rng.randint(120, 620)
    first = d.manifestation(0, work, d.pick(vocab.LITERARY), work.year, pages)
    third = alternative_format(d, 2, work, first, slot_format(d.seed, d.pool, d.group, 2))
    return Group((first, paperback(d, 1, work, first), third), ())


def paperback(d: Draw, slot: int, work: Work, first: Manifestation) -> Manifestation:
    publisher = d.pick(vocab.POCKET)
    pocket = d.manifestation(slot, work, publisher, first.year + d.rng.randint(1, 3),
                             int(first.extent * 1.15))
    return replace(pocket, collection=(publisher.name, str(d.rng.randint(1000, 7999))))


def alternative_format(
    d: Draw, slot: int, work: Work, first: Manifestation, fmt: Format
) -> Manifestation:
    """Large print, audiobook or e-book of the same work (same work, new manifestation)."""
    if fmt is Format.LARGE_PRINT:
        made = d.manifestation(slot, work, d.pick(vocab.LARGE_PRINT), first.year + 1,
                               int(first.extent * 1.7), fmt)
        return replace(made, collection=("Grands caractères", ""))
    if fmt is Format.AUDIOBOOK:
        made = d.manifestation(slot, work, d.pick(vocab.AUDIO), first.year + 1,
                               first.extent * 2, fmt)
        reader = person(d.rng.randrange(PEOPLE), "narrator")
        return replace(made, contributors=(reader,), carrier="CD MP3")
    return d.manifestation(slot, work, first.publisher, first.year, first.extent, fmt)


def adaptation(d: Draw) -> Group:
    """A novel in two editions and a film of it: the film is another work (hard negative)."""
    if d.rng.random() < 0.5:
        work = classic_work(d.rng.randrange(len(vocab.CLASSICS)))
        editors: Sequence[Publisher] = vocab.CLASSIC_EDITORS
    else:
        work = novel_work(d.seed, d.rng.randrange(len(TITLES)), d.rng.randrange(PEOPLE))
        editors = vocab.LITERARY
    pages = d.rng.randint(180, 900)
    first = d.manifestation(0, work, d.pick(editors), d.rng.randint(max(work.year, 1985), 2024),
                            pages)
    film = Work(
        id=f"w-film-{d.group}", family="film", title=work.title, subtitle=None,
        creators=(person(d.rng.randrange(PEOPLE), "director"),),
        subjects=(("Adaptations cinématographiques",),), year=d.rng.randint(1950, 2024),
    )
    disc = d.manifestation(2, film, d.pick(vocab.FILM_STUDIOS), film.year + 1,
                           d.rng.randint(85, 170), Format.VIDEO)
    novelist = replace(work.creators[0], role="author")
    disc = replace(disc, contributors=(novelist,), carrier=d.pick(("DVD", "Blu-ray")))
    relation = Relation("adaptation", (work.id, film.id))
    return Group((first, paperback(d, 1, work, first), disc), (relation,))


def series(d: Draw, youth: bool) -> Group:
    """Three consecutive volumes of a series: same title and author, different works."""
    names = vocab.YOUTH_SERIES if youth else COMIC_SERIES
    name, author = d.rng.randrange(len(names)), d.rng.randrange(PEOPLE)
    first_tome = d.pick((1, 1, 1, 4, 7))
    rng = random.Random(mix(d.seed, 13, name, author, youth))
    editors = vocab.YOUTH if youth else vocab.COMICS
    publisher, start = rng.choice(editors), rng.randint(1985, 2020)
    creators = (person(author),) if youth else (person(author), person(author * 7 + 3,
                                                                         "illustrator"))
    subjects = vocab.SUBJECTS_YOUTH if youth else vocab.SUBJECTS_COMICS
    made = []
    for slot in range(3):
        tome = first_tome + slot
        work = Work(
            id=f"w-{'youth' if youth else 'comics'}-{name}-{author}-{tome}", family="series",
            title=names[name], subtitle=None, creators=creators, subjects=(rng.choice(subjects),),
            year=start + tome, audience="youth" if youth or rng.random() < 0.4 else "adult",
            part=tome, part_title=vocab.VOLUME_TITLES[(name + tome) % len(vocab.VOLUME_TITLES)],
            series=names[name],
        )
        pages = rng.randint(46, 64) if not youth else rng.randint(96, 260)
        made.append(d.manifestation(slot, work, publisher, work.year, pages))
    relation = Relation("series", tuple(m.work.id for m in made))
    return Group(tuple(made), (relation,))


def homonyms(d: Draw) -> Group:
    """Two editions of a novel and another novel with the same title by someone else."""
    title, author = d.rng.randrange(len(TITLES)), d.rng.randrange(PEOPLE)
    work, other = novel_work(d.seed, title, author), novel_work(d.seed, title,
                                                                d.other_person(author))
    first = d.manifestation(0, work, d.pick(vocab.LITERARY), work.year, d.rng.randint(150, 500))
    fmt = slot_format(d.seed, d.pool, d.group, 1)
    second = (alternative_format(d, 1, work, first, fmt) if fmt is Format.EBOOK
              else paperback(d, 1, work, first))
    third = d.manifestation(2, other, d.pick(vocab.LITERARY), other.year, d.rng.randint(150, 500))
    return Group((first, second, third), (Relation("homonym", (work.id, other.id)),))


def music(d: Draw) -> Group:
    """An album and its reissue, and an unrelated score."""
    album, artist = d.rng.randrange(len(vocab.ALBUM_WORDS)), d.rng.randrange(PEOPLE)
    genre, _ = vocab.MUSIC_GENRES[mix(album, artist) % len(vocab.MUSIC_GENRES)]
    work = Work(
        id=f"w-album-{album}-{artist}", family="music", title=vocab.ALBUM_WORDS[album],
        subtitle=None, creators=(person(artist, "performer"),), subjects=(genre,),
        year=1960 + mix(album, artist, 1) % 64,
    )
    label = d.pick(vocab.LABELS)
    first = replace(d.manifestation(0, work, label, work.year, d.rng.randint(32, 75),
                                    Format.MUSIC), carrier="CD")
    reissue = replace(
        d.manifestation(1, work, d.pick(vocab.LABELS), work.year + d.rng.randint(3, 25),
                        first.extent + d.rng.randint(0, 20), Format.MUSIC),
        carrier="CD", edition=d.pick(("Édition remasterisée", "Édition deluxe", "Réédition")),
    )
    score_index, composer = d.rng.randrange(len(vocab.SCORE_TITLES)), d.rng.randrange(PEOPLE)
    score_work = Work(
        id=f"w-score-{score_index}-{composer}", family="score",
        title=vocab.SCORE_TITLES[score_index], subtitle=None,
        creators=(person(composer, "composer"),), subjects=(("Partitions",),),
        year=1950 + mix(score_index, composer) % 74,
    )
    score = d.manifestation(2, score_work, d.pick(vocab.SCORE_EDITORS), score_work.year + 2,
                            d.rng.randint(16, 96), Format.SCORE)
    return Group((first, reissue, score), ())


def essay(d: Draw) -> Group:
    """An essay, its revised edition, and an e-book or another essay with the same title."""
    topic, author = d.rng.randrange(len(vocab.ESSAY_TOPICS)), d.rng.randrange(PEOPLE)
    work = essay_work(d.seed, topic, author)
    first = d.manifestation(0, work, d.pick(vocab.ESSAYS), work.year, d.rng.randint(120, 480))
    revised = replace(
        d.manifestation(1, work, first.publisher, first.year + d.rng.randint(3, 8),
                        first.extent + d.rng.randint(10, 60)),
        edition=d.pick(("2e éd.", "Nouvelle édition revue et augmentée", "3e édition")),
    )
    fmt = slot_format(d.seed, d.pool, d.group, 2)
    if fmt is Format.EBOOK:
        return Group((first, revised, alternative_format(d, 2, work, first, fmt)), ())
    other = essay_work(d.seed, topic, d.other_person(author))
    third = d.manifestation(2, other, d.pick(vocab.ESSAYS), other.year, d.rng.randint(120, 480))
    return Group((first, revised, third), (Relation("homonym", (work.id, other.id)),))


@lru_cache(maxsize=16384)
def essay_work(seed: int, topic: int, author: int) -> Work:
    heading, dewey, title = vocab.ESSAY_TOPICS[topic]
    rng = random.Random(mix(seed, 17, topic, author))
    return Work(
        id=f"w-essay-{topic}-{author}", family="essay", title=title,
        subtitle=rng.choice((None, "une introduction", "enquête", "des origines à nos jours")),
        creators=(person(author),), subjects=(heading,), year=rng.randint(1980, 2024),
        dewey=dewey,
    )


def film(d: Draw) -> Group:
    """A film on DVD and Blu-ray, and its soundtrack (another work, same title)."""
    title = TITLES[d.rng.randrange(len(TITLES))]
    work = Work(
        id=f"w-film-{d.group}", family="film", title=title, subtitle=None,
        creators=(person(d.rng.randrange(PEOPLE), "director"),),
        subjects=(d.pick((("Films policiers",), ("Comédies dramatiques",), ("Films d'animation",),
                          ("Documentaires",))),), year=d.rng.randint(1960, 2024),
    )
    studio, minutes = d.pick(vocab.FILM_STUDIOS), d.rng.randint(80, 160)
    dvd = replace(d.manifestation(0, work, studio, work.year + 1, minutes, Format.VIDEO),
                  carrier="DVD")
    bluray = replace(d.manifestation(1, work, studio, work.year + 1, minutes, Format.VIDEO),
                     carrier="Blu-ray")
    ost = Work(
        id=f"w-ost-{d.group}", family="music", title=title,
        subtitle="bande originale du film", creators=(person(d.rng.randrange(PEOPLE),
                                                             "composer"),),
        subjects=(("Musique de film",),), year=work.year,
    )
    cd = replace(d.manifestation(2, ost, d.pick(vocab.LABELS), work.year, d.rng.randint(30, 70),
                                 Format.MUSIC), carrier="CD")
    return Group((dvd, bluray, cd), (Relation("soundtrack", (work.id, ost.id)),))


GENERAL_BUILDERS: dict[str, Callable[[Draw], Group]] = {
    "novel": novel,
    "adaptation": adaptation,
    "comics": lambda d: series(d, youth=False),
    "youth": lambda d: series(d, youth=True),
    "homonyms": homonyms,
    "music": music,
    "documentary": essay,
    "essay": essay,
    "film": film,
}

