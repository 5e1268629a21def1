"""Families of the games and documentation pools: games, periodicals, maps."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import replace
from functools import lru_cache

from catalogue_sync.models import Format
from services.sandbox import vocabulary as vocab
from services.sandbox.families import GENERAL_BUILDERS, PEOPLE, Draw, person
from services.sandbox.works import Group, Pool, Relation, Work, family_of, mix

ISSN_WEIGHTS = (8, 7, 6, 5, 4, 3, 2)


def issn(number: int) -> str:
    """A valid ISSN (hyphenated) for a number."""
    digits = f"{number % 10**7:07d}"
    check = (11 - sum(w * int(d) for w, d in zip(ISSN_WEIGHTS, digits, strict=True)) % 11) % 11
    return f"{digits[:4]}-{digits[4:]}{'X' if check == 10 else check}"


def board_game(d: Draw) -> Group:
    """A board game, its new edition, and an extension (another work)."""
    game, designer = d.rng.randrange(len(vocab.BOARD_GAMES)), d.rng.randrange(PEOPLE)
    work = Work(
        id=f"w-game-{game}-{designer}", family="board-game", title=vocab.BOARD_GAMES[game],
        subtitle=None, creators=(person(designer, "designer"),), subjects=(("Jeux de société",),),
        year=2000 + mix(game, designer) % 25, audience=d.pick(("adult", "youth")),
    )
    editor, pieces = d.pick(vocab.GAME_EDITORS), d.rng.randint(40, 220)
    first = d.manifestation(0, work, editor, work.year, pieces, Format.BOARD_GAME)
    again = replace(
        d.manifestation(1, work, d.pick(vocab.GAME_EDITORS), work.year + d.rng.randint(2, 8),
                        pieces, Format.BOARD_GAME),
        edition="Nouvelle édition",
    )
    extension = Work(
        id=f"w-game-{game}-{designer}-ext", family="board-game", title=work.title,
        subtitle=d.pick(("extension", "extension Nouveaux horizons", "Big box")),
        creators=work.creators, subjects=work.subjects, year=work.year + 2,
        audience=work.audience,
    )
    ext = d.manifestation(2, extension, editor, extension.year, pieces // 2, Format.BOARD_GAME)
    return Group((first, again, ext), (Relation("extension", (work.id, extension.id)),))


def video_game(d: Draw) -> Group:
    """A video game on two consoles, and its sequel (another work)."""
    game, studio = d.rng.randrange(len(vocab.VIDEO_GAMES)), d.rng.randrange(PEOPLE)
    editor = vocab.VIDEO_GAME_EDITORS[mix(game, studio) % len(vocab.VIDEO_GAME_EDITORS)]
    work = Work(
        id=f"w-vgame-{game}-{studio}", family="video-game", title=vocab.VIDEO_GAMES[game],
        subtitle=None, creators=(), subjects=(("Jeux vidéo",),),
        year=2015 + mix(game, studio) % 10, audience=d.pick(("adult", "youth")),
    )
    consoles = d.rng.sample(vocab.PLATFORMS, 2)
    made = [
        replace(d.manifestation(slot, work, editor, work.year, 1, Format.VIDEO_GAME),
                carrier=console)
        for slot, console in enumerate(consoles)
    ]
    sequel = replace(work, id=work.id + "-2", title=f"{work.title} 2", year=work.year + 3)
    made.append(replace(d.manifestation(2, sequel, editor, sequel.year, 1, Format.VIDEO_GAME),
                        carrier=consoles[0]))
    return Group(tuple(made), (Relation("sequel", (work.id, sequel.id)),))


def periodical(d: Draw) -> Group:
    """A periodical in print and online, and another one with a near-identical title."""
    made = []
    works: list[Work] = []
    pattern = d.pick(vocab.PERIODICAL_PATTERNS)
    for slot in (0, 2):
        title = pattern.format(town=d.pick(vocab.TOWNS), region=d.pick(vocab.REGIONS))
        while works and title == works[0].title:
            title = pattern.format(town=d.pick(vocab.TOWNS), region=d.pick(vocab.REGIONS))
        work = Work(
            id=f"w-per-{d.group}-{slot}", family="periodical", title=title, subtitle=None,
            creators=(), subjects=(("Histoire locale", "Périodiques"),),
            year=d.rng.randint(1950, 2015),
        )
        works.append(work)
        made.append(replace(
            d.manifestation(slot, work, d.pick(vocab.PERIODICAL_EDITORS), work.year, 0,
                            Format.PERIODICAL),
            issn=issn(d.rng.randrange(10**7)),
        ))
    online = replace(made[0], id=made[0].id[:-1] + "1", issn=issn(d.rng.randrange(10**7)),
                     carrier="en ligne", year=max(made[0].year, 2005))
    relation = Relation("similar-title", (works[0].id, works[1].id))
    return Group((made[0], online, made[1]), (relation,))


@lru_cache(maxsize=1024)
def map_work(seed: int, massif: int, editor: int) -> Work:
    rng = random.Random(mix(seed, 19, massif, editor))
    number = f"{rng.randint(1000, 3999)} {rng.choice(('OT', 'ET', 'O'))}"
    return Work(
        id=f"w-map-{massif}-{editor}", family="map", title=vocab.MASSIFS[massif],
        subtitle=f"carte de randonnée {number}", creators=(),
        subjects=((vocab.MASSIFS[massif], "Cartes"),), year=rng.randint(1995, 2015),
        dewey="912.44",
    )


def map_group(d: Draw) -> Group:
    """A hiking map in two editions, and the other publisher's map of the same place."""
    massif = d.rng.randrange(len(vocab.MASSIFS))
    editor = d.rng.randrange(len(vocab.MAP_EDITORS))
    work, other = map_work(d.seed, massif, editor), map_work(d.seed, massif, 1 - editor)
    publisher = vocab.MAP_EDITORS[editor]
    year = d.rng.randint(work.year, 2018)
    made = (
        d.manifestation(0, work, publisher, year, 1, Format.MAP),
        replace(d.manifestation(1, work, publisher, year + d.rng.randint(2, 7), 1, Format.MAP),
                edition=d.pick(("Nouvelle édition", "11e édition", "Édition mise à jour"))),
        d.manifestation(2, other, vocab.MAP_EDITORS[1 - editor], d.rng.randint(other.year, 2024),
                        1, Format.MAP),
    )
    return Group(made, (Relation("homonym", (work.id, other.id)),))


OTHER_BUILDERS: dict[str, Callable[[Draw], Group]] = {
    "board-game": board_game,
    "video-game": video_game,
    "periodical": periodical,
    "map": map_group,
}
BUILDERS: dict[str, Callable[[Draw], Group]] = {**GENERAL_BUILDERS, **OTHER_BUILDERS}


@lru_cache(maxsize=65536)
def group(seed: int, pool: Pool, index: int) -> Group:
    """The group at ``index`` of a pool, built once and cached."""
    return BUILDERS[family_of(seed, pool, index)](Draw(seed, pool, index))
