"""Write many rows with one DBAPI executemany, SQLAlchemy's type conversions done a column at a time.

``session.execute(insert(table), rows)`` assembles and converts parameters row by row; for 100,000
lots that costs several times the database's own work. Here the statement is compiled once for the
connection's dialect (its SQL, casts included, is SQLAlchemy's), each column's values go through
that column type's own bind processor (the same conversions: dates and UTC timestamps for SQLite,
JSON serialisation...), and the rows reach the driver in one executemany, inside the session's
transaction.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.orm import Session
from sqlalchemy.sql import Executable


def execute_many(
    session: Session, statement: Executable, columns: Mapping[str, Sequence], constants: Mapping[str, Any] | None = None
) -> None:
    """Execute ``statement`` (an INSERT or UPDATE) once per row of ``columns`` (bound parameter name
    -> one value per row), with ``constants`` (name -> the value of every row, converted once).
    Every column with a Python-side default must be given."""
    rows = len(next(iter(columns.values()), ()))
    if rows == 0:
        return
    constants = constants or {}
    session.flush()  # pending ORM changes first, as session.execute would do
    connection = session.connection()
    dialect = connection.dialect
    compiled = statement.compile(dialect=dialect, column_keys=[*columns, *constants], for_executemany=True)
    if compiled.insert_prefetch or compiled.update_prefetch:
        missing = [column.key for column in [*compiled.insert_prefetch, *compiled.update_prefetch]]
        raise ValueError(f"give a value for every column with a Python default: {missing}")
    names = list(compiled.positiontup) if compiled.positional else list(compiled.binds)
    converted = []
    for name in names:
        key = compiled.binds[name].key
        processor = compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect) or (lambda value: value)
        if key in constants:
            converted.append([processor(constants[key])] * rows)
        else:
            converted.append([processor(value) for value in columns[key]])
    if compiled.positional:
        parameters = list(zip(*converted))
    else:
        keys = [compiled.escaped_bind_names.get(name, name) for name in names]
        parameters = [dict(zip(keys, row)) for row in zip(*converted)]
    connection.exec_driver_sql(compiled.string, parameters)
