"""The per-company chart tells apart companies that share a name."""

import pandas as pd

from clauses.reporting.charts import company_labels


def test_companies_sharing_a_name_are_told_apart_by_their_identifier():
    companies = pd.DataFrame({
        "company": ["SAS", "DARRAS ET JOUANIN", "SAS", "Une entreprise au nom bien plus long que quarante caractères"],
        "identifier": ["SIRET 81743896300024", "SIRET 77572541900086", "SIRET 53466635900037", "SIRET 12345678900011"],
    })
    assert company_labels(companies) == [
        "SAS (SIRET 81743896300024)",
        "DARRAS ET JOUANIN",
        "SAS (SIRET 53466635900037)",
        "Une entreprise au nom bien plus long que",
    ]
