"""How far the planner's coverage level is from a proven optimum, and how far any method here gets.

For the bench instances of ``bench_planning.py`` (three years, 12 trades, 6 partners), the coverage
level (people trained on time, maximised) is attacked by several methods on the same model; each
line gives the best plan it found and the best bound it proved, so the smallest gap within reach
of this machine can be read off:

- ``shipped``: ``clauses.planning.model.solve`` as the product runs it (one worker, deterministic
  limit from config/planning.yaml, greedy hint); its coverage level;
- ``lp``: the linear relaxation (HiGHS), the weakest bound;
- ``lb-tree``: CP-SAT's bound-oriented search (``optimize_with_lb_tree_search``), one worker,
  ``--lb-tree-det`` deterministic seconds;
- ``highs-mip``: the same model as a MIP in HiGHS, one thread, ``--seconds`` of wall time;
- ``portfolio``: CP-SAT's default parallel portfolio (two workers: this machine's cores, not
  reproducible) for ``--portfolio-seconds`` of wall time, from the greedy hint.

HiGHS is optional: ``pip install highspy`` (its lines are skipped without it).

    python bench/bench_planning_bounds.py [--instances medium tight] [--seconds 60]
"""

from __future__ import annotations

import argparse
import time

from bench_planning import LEVELS, bench_problem
from ortools.sat.python import cp_model

from clauses.config import load_config
from clauses.planning.greedy import plan_greedy
from clauses.planning.model import coverage_model, solve
from clauses.planning.problem import Options

INT64_LIMIT = 2**62


def cp_sat(model: cp_model.CpModel, **parameters) -> tuple[float | None, float, float]:
    solver = cp_model.CpSolver()
    for key, value in parameters.items():
        setattr(solver.parameters, key, value)
    began = time.perf_counter()
    code = solver.solve(model)
    found = solver.objective_value if code in (cp_model.OPTIMAL, cp_model.FEASIBLE) else None
    return found, solver.best_objective_bound, time.perf_counter() - began


def highs(model: cp_model.CpModel, *, integer: bool, seconds: float) -> tuple[float | None, float, float] | None:
    """The CP-SAT model (linear constraints only) handed to HiGHS as an LP or a MIP (maximised)."""
    try:
        import highspy
        import numpy as np
    except ImportError:
        return None
    proto = model.proto
    infinite = highspy.kHighsInf
    lp = highspy.HighsLp()
    lp.num_col_ = len(proto.variables)
    lp.col_lower_ = np.array([list(v.domain)[0] for v in proto.variables], float)
    lp.col_upper_ = np.array([list(v.domain)[-1] for v in proto.variables], float)
    cost = np.zeros(lp.num_col_)
    for var, coeff in zip(proto.objective.vars, proto.objective.coeffs):
        cost[var] = coeff  # CP-SAT stores a maximisation as the minimisation of its negation
    lp.col_cost_ = cost
    lower, upper, starts, index, value = [], [], [0], [], []
    for constraint in proto.constraints:
        linear = constraint.linear
        domain = list(linear.domain)
        assert linear.vars and not constraint.enforcement_literal and len(domain) == 2, "a linear model is expected"
        lower.append(-infinite if domain[0] <= -INT64_LIMIT else domain[0])
        upper.append(infinite if domain[1] >= INT64_LIMIT else domain[1])
        index += list(linear.vars)
        value += list(linear.coeffs)
        starts.append(len(index))
    lp.num_row_ = len(lower)
    lp.row_lower_, lp.row_upper_ = np.array(lower, float), np.array(upper, float)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    lp.a_matrix_.start_ = np.array(starts, np.int32)
    lp.a_matrix_.index_ = np.array(index, np.int32)
    lp.a_matrix_.value_ = np.array(value, float)
    if integer:
        lp.integrality_ = [highspy.HighsVarType.kInteger] * lp.num_col_
    solver = highspy.Highs()
    for option, setting in (("output_flag", False), ("threads", 1), ("random_seed", 0), ("time_limit", seconds)):
        solver.setOptionValue(option, setting)
    solver.passModel(lp)
    began = time.perf_counter()
    solver.run()
    info = solver.getInfo()
    if not integer:
        return None, -info.objective_function_value, time.perf_counter() - began
    found = -info.objective_function_value if info.primal_solution_status == 2 else None
    return found, -info.mip_dual_bound, time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--instances", nargs="+", default=["medium", "tight"], choices=sorted(LEVELS))
    parser.add_argument("--seconds", type=float, default=60.0, help="HiGHS MIP wall seconds")
    parser.add_argument("--lb-tree-det", type=float, default=40.0, help="lb-tree search deterministic seconds")
    parser.add_argument("--portfolio-seconds", type=float, default=120.0, help="two-worker CP-SAT wall seconds")
    args = parser.parse_args()
    print(f"{'instance':<8} {'method':<10} {'plan':>6} {'bound':>7} {'gap':>7} {'wall s':>7}")
    config = load_config()
    for name in args.instances:
        problem = bench_problem(config, name)
        options = Options(problem)
        greedy = plan_greedy(problem, options)
        best_plan, best_bound = 0.0, float("inf")

        def line(method: str, outcome) -> None:
            nonlocal best_plan, best_bound
            if outcome is None:
                print(f"{name:<8} {method:<10} {'(highspy not installed)':>22}", flush=True)
                return
            found, bound, seconds = outcome
            gap = f"{(bound - found) / found:.2%}" if found else "–"
            print(f"{name:<8} {method:<10} {found if found is not None else '–':>6} {bound:>7.1f} {gap:>7} {seconds:>7.1f}", flush=True)
            best_plan = max(best_plan, found or 0.0)
            if method != "lp":
                best_bound = min(best_bound, bound)

        began = time.perf_counter()
        coverage = solve(problem, options, hint=greedy).stats["levels"][0]
        line("shipped", (coverage["objective"], coverage["bound"], time.perf_counter() - began))
        model = coverage_model(problem, options, greedy)  # solving does not change it: one for all
        line("lp", highs(model, integer=False, seconds=args.seconds))
        line("lb-tree", cp_sat(
            model, num_workers=1, random_seed=0, optimize_with_lb_tree_search=True, max_deterministic_time=args.lb_tree_det,
        ))
        line("highs-mip", highs(model, integer=True, seconds=args.seconds))
        line("portfolio", cp_sat(model, num_workers=2, max_time_in_seconds=args.portfolio_seconds))
        print(f"{name:<8} {'best':<10} {best_plan:>6.0f} {best_bound:>7.1f} {(best_bound - best_plan) / best_plan:>7.2%}"
              "   (best plan and best bound of any method above)", flush=True)


if __name__ == "__main__":
    main()
