"""Visits to legitimate websites and installs of legitimate apps, by phone number."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from fraudlink.simulate.life.context import Life
from fraudlink.simulate.world import World

VISIT, INSTALL = 0, 1
# Share of web events that are app installs.
INSTALL_SHARE = 0.05
# Popularity of sites and apps: log-normal sigma of their share of events.
POPULARITY_SIGMA = 1.0


def append_web(
    world: World,
    time: npt.ArrayLike,
    sim: npt.ArrayLike,
    kind: npt.ArrayLike,
    url: npt.ArrayLike,
    app: npt.ArrayLike,
) -> None:
    """Append one chunk of ordinary visits and installs."""
    world.log("web_events").append(time=time, sim=sim, kind=kind, url=url, app=app)


def _popular(
    rng: np.random.Generator,
    items: npt.NDArray[np.int64],
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]:
    w = rng.lognormal(0.0, POPULARITY_SIGMA, len(items))
    return items, np.cumsum(w) / max(w.sum(), 1e-12)


def run_web(life: Life) -> None:
    """Each adult with a phone visits sites and sometimes installs an app; one chunk per day."""
    world = life.world
    rng = world.rng("life:web")
    urls = world.entity("urls")
    apps = world.entity("apps")
    url_ids, url_cum = _popular(
        rng,
        np.flatnonzero(~np.asarray(urls["fraud"], dtype=bool))
        if len(urls)
        else np.zeros(0, np.int64),
    )
    app_ids, app_cum = _popular(
        rng,
        np.flatnonzero(~np.asarray(apps["fraud"], dtype=bool))
        if len(apps)
        else np.zeros(0, np.int64),
    )
    callers = life.callers
    rate = life.cfg.web_events_per_person_day * life.activity[callers]
    install_share = INSTALL_SHARE if len(app_ids) else 0.0
    if not len(url_ids):
        install_share = 1.0 if len(app_ids) else 0.0
    if not len(callers) or not (len(url_ids) or len(app_ids)):
        return
    for day in range(life.days):
        who = np.repeat(callers, life.counts(rng, rate, len(callers)))
        n = len(who)
        install = rng.random(n) < install_share
        u = rng.random(n)
        url = (
            url_ids[np.minimum(np.searchsorted(url_cum, u), len(url_ids) - 1)]
            if len(url_ids)
            else np.full(n, -1)
        )
        app = (
            app_ids[np.minimum(np.searchsorted(app_cum, u), len(app_ids) - 1)]
            if len(app_ids)
            else np.full(n, -1)
        )
        append_web(
            world,
            life.times(rng, day, n),
            life.sim[who],
            install.astype(np.int8),
            np.where(install, -1, url),
            np.where(install, app, -1),
        )
