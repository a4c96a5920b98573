"""The configuration loads, and a broken file is reported with its file and key."""

from __future__ import annotations

import shutil

import pytest

from clauses.config import ConfigError, load_config
from clauses.settings import PROJECT_ROOT


def test_embedded_configuration_has_the_trades_of_the_domain(config):
    romes = {t.rome for t in config.trades}
    assert {"F1703", "F1702", "F1701", "F1705", "F1302", "F1609", "F1613", "F1611", "F1604", "F1606", "F1602", "F1603", "K1204"} <= romes
    assert config.territory.timezone == "Europe/Paris"
    assert config.territory.school_holiday_zone == "A"
    assert config.find_trade("  MAÇON vrd ").rome == "F1702"
    assert config.find_trade("f1606").key == "peintre"
    assert config.find_trade("soudeur") is None
    assert any(p.kind == "geiq" for p in config.partners)
    assert all(t.poec.hours <= 400 for t in config.trades)


@pytest.fixture
def config_copy(tmp_path):
    folder = tmp_path / "config"
    shutil.copytree(PROJECT_ROOT / "config", folder)
    return folder


def test_invalid_value_names_file_and_key(config_copy):
    path = config_copy / "trades.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("labour_share: 0.70", "labour_share: 7.0", 1), encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        load_config(config_copy)
    message = str(error.value)
    assert "trades.yaml" in message
    assert "trades[9].labour_share : doit être inférieur ou égal à 1 (valeur lue : 7.0)" in message


def test_unknown_key_is_an_error_not_ignored(config_copy):
    path = config_copy / "outreach.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "\nmax_mesages_per_week: 2\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"outreach.yaml : max_mesages_per_week : clé inconnue"):
        load_config(config_copy)


def test_partner_pointing_at_unknown_trade_is_refused(config_copy):
    path = config_copy / "partners.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("trades: [macon_vrd,", "trades: [soudeur, macon_vrd,", 1), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"partners.yaml : partners\[2\].trades : métier inconnu 'soudeur'"):
        load_config(config_copy)


def test_missing_file_and_broken_yaml(config_copy):
    (config_copy / "messaging.yaml").unlink()
    with pytest.raises(ConfigError, match="messaging.yaml : fichier de configuration introuvable"):
        load_config(config_copy)
    shutil.copy(PROJECT_ROOT / "config" / "messaging.yaml", config_copy / "messaging.yaml")
    (config_copy / "territory.yaml").write_text("name: [unclosed\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"territory.yaml : YAML invalide \(ligne 2, colonne 1"):
        load_config(config_copy)


def test_a_partner_is_named_in_a_sentence_with_its_article(config, config_copy):
    """« organisée par GEIQ BTP 63 » lacked its article; France Travail takes none."""
    partners = {p.key: p for p in config.partners}
    assert partners["geiq_btp_63"].in_sentence == "le GEIQ BTP 63"
    assert partners["ffb_63"].in_sentence == "la FFB Puy-de-Dôme"
    assert partners["france_travail_clermont_nord"].in_sentence == "France Travail Clermont-Ferrand Nord"
    assert partners["geiq_btp_63"].model_copy(update={"article": "l'", "name": "AFPA"}).in_sentence == "l’AFPA"  # as typed
    path = config_copy / "partners.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("article: le ", "article: du ", 1), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"partners.yaml : partners\[0\].article : valeur non prévue \(valeurs possibles : 'le', .* ou ''\)"):
        load_config(config_copy)
