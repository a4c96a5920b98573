"""Load the whole configuration folder into one validated, immutable ``Config``."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from clauses import settings
from clauses.config.base import ConfigError, load_yaml_model
from clauses.config.decp import DecpSettings
from clauses.config.employers import EmployerSettings
from clauses.config.forecast import ForecastSettings
from clauses.config.messaging import Messaging
from clauses.config.outreach import OutreachSettings
from clauses.config.partners import Partner, Partners, Venue
from clauses.config.planning import PlanningSettings
from clauses.config.reporting import ReportingSettings
from clauses.config.retention import RetentionSettings
from clauses.config.territory import Territory
from clauses.config.trades import Trade, Trades
from clauses.text import normalise_key

# file name -> (attribute on Config, model)
SECTIONS: dict[str, tuple[str, type[BaseModel]]] = {
    "territory.yaml": ("territory", Territory),
    "trades.yaml": ("trades_file", Trades),
    "partners.yaml": ("partners_file", Partners),
    "messaging.yaml": ("messaging", Messaging),
    "forecast.yaml": ("forecast", ForecastSettings),
    "planning.yaml": ("planning", PlanningSettings),
    "outreach.yaml": ("outreach", OutreachSettings),
    "reporting.yaml": ("reporting", ReportingSettings),
    "retention.yaml": ("retention", RetentionSettings),
    "decp.yaml": ("decp", DecpSettings),
    "employers.yaml": ("employers", EmployerSettings),
}


class Config(BaseModel):
    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    directory: Path
    territory: Territory
    trades_file: Trades
    partners_file: Partners
    messaging: Messaging
    forecast: ForecastSettings
    planning: PlanningSettings
    outreach: OutreachSettings
    reporting: ReportingSettings
    retention: RetentionSettings
    decp: DecpSettings
    employers: EmployerSettings

    @property
    def trades(self) -> list[Trade]:
        return self.trades_file.trades

    @property
    def partners(self) -> list[Partner]:
        return self.partners_file.partners

    @cached_property
    def _trade_lookup(self) -> dict[str, Trade]:
        lookup: dict[str, Trade] = {}
        for trade in self.trades:
            for name in (trade.key, trade.rome, trade.label):
                lookup[normalise_key(name)] = trade
        return lookup

    def find_trade(self, name: str) -> Trade | None:
        """The trade named by its key, ROME code or label (case, accents and spaces ignored)."""
        return self._trade_lookup.get(normalise_key(name))

    def unknown_trade(self, name: str) -> str:
        """Why ``name`` is refused as a trade, with the labels that would be accepted."""
        labels = ", ".join(trade.label for trade in self.trades)
        return f"métier inconnu « {name} » : attendu un code ROME ou l'un des métiers de config/trades.yaml ({labels})"

    def trade(self, key: str) -> Trade:
        trade = self.find_trade(key)
        if trade is None:
            raise KeyError(f"unknown trade {key!r}; known: {', '.join(t.key for t in self.trades)}")
        return trade

    def venues(self) -> list[tuple[Partner, Venue]]:
        return [(p, v) for p in self.partners for v in p.venues]


def _check_references(config: Config) -> None:
    trade_keys = {t.key for t in config.trades}
    problems = []
    for i, partner in enumerate(config.partners):
        for trade in partner.trades:
            if trade not in trade_keys:
                problems.append(
                    f"{config.directory / 'partners.yaml'} : partners[{i}].trades : métier inconnu {trade!r} (métiers de trades.yaml : {', '.join(sorted(trade_keys))})"
                )
    for i, member in enumerate(config.employers.geiq_members):
        for trade in member.trades:
            if trade not in trade_keys:
                problems.append(
                    f"{config.directory / 'employers.yaml'} : geiq_members[{i}].trades : métier inconnu {trade!r} (métiers de trades.yaml : {', '.join(sorted(trade_keys))})"
                )
    if problems:
        raise ConfigError("configuration invalide :\n  " + "\n  ".join(problems))


def load_config(directory: Path | str | None = None) -> Config:
    """Validate every file of the configuration folder; raise ``ConfigError`` naming file and key."""
    folder = Path(directory) if directory is not None else settings.config_dir()
    if not folder.is_dir():
        raise ConfigError(f"{folder} : dossier de configuration introuvable (variable CLAUSES_CONFIG_DIR)")
    values = {attr: load_yaml_model(folder / name, model) for name, (attr, model) in SECTIONS.items()}
    config = Config(directory=folder, **values)
    _check_references(config)
    return config
