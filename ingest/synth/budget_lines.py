"""Monthly budget execution of functional group 04 (education) for the oblast and the city.

Amounts are kept in tenths of a thousand tenge (integers) and become ``Decimal`` with one decimal
place at the end, so totals are exact: the oblast's December plans add up to 394,000,000.0
thousand tenge in 2023 and 316,000,000.0 in 2022, and the pupil-transport programme has executed
2,172,000.0 by December 2023. The plan is refined during the year (approved in January, adjusted
in spring and autumn); **month 12 carries the final plan and the annual execution**, which is 95-99.5 %
of the plan. Programme codes follow the shape of the local budget classification (administrator
261 = the education department, 288 = the construction department); they are illustrative.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from decimal import Decimal

from ingest.synth.alloc import allocate
from ingest.synth.geography import CITY, OBLAST

INVARIANT_YEAR = 2023
# final plans, thousand tenge (whole numbers)
ANNUAL_PLAN = {
    OBLAST: {2019: 300_500_000, 2020: 335_200_000, 2021: 372_800_000, 2022: 316_000_000, 2023: 394_000_000,
             2024: 431_600_000},
    CITY: {2019: 232_400_000, 2020: 261_300_000, 2021: 298_700_000, 2022: 342_100_000, 2023: 389_500_000,
           2024: 428_900_000},
}  # fmt: skip
TRANSPORT_PROGRAM = "022"
MEALS_PROGRAM = "021"
# (plan, executed) in thousand tenge for the invariant year; other years scale from these
FIXED_2023 = {
    (OBLAST, TRANSPORT_PROGRAM): (2_215_000, 2_172_000),
    (OBLAST, MEALS_PROGRAM): (4_580_000, 4_529_000),
    (CITY, TRANSPORT_PROGRAM): (418_000, 409_600),
    (CITY, MEALS_PROGRAM): (21_150_000, 20_900_000),
}
MONTH_WEIGHTS = (4, 7, 8, 8, 8, 8, 7, 8, 9, 9, 9, 15)


@dataclass(frozen=True)
class Programme:
    administrator: str
    subgroup: str
    program: str
    name_ru: str
    name_kk: str
    share: float  # of the total plan (0 = fixed amount programme)


PROGRAMMES: tuple[Programme, ...] = (
    Programme("261", "09", "001", "Услуги по реализации государственной политики на местном уровне в области образования",
              "Білім беру саласында мемлекеттік саясатты жергілікті деңгейде іске асыру жөніндегі қызметтер", 0.004),
    Programme("261", "01", "002", "Реализация государственного образовательного заказа в дошкольных организациях образования",
              "Мектепке дейінгі білім беру ұйымдарында мемлекеттік білім беру тапсырысын іске асыру", 0.16),
    Programme("261", "02", "003", "Общеобразовательное обучение", "Жалпы білім беру", 0.55),
    Programme("261", "09", "004", "Информатизация системы образования в государственных организациях образования",
              "Мемлекеттік білім беру ұйымдарында білім беру жүйесін ақпараттандыру", 0.005),
    Programme("261", "09", "005", "Приобретение и доставка учебников и учебно-методических комплексов для "
              "государственных организаций образования",
              "Мемлекеттік білім беру ұйымдары үшін оқулықтар мен оқу-әдістемелік кешендерді сатып алу және жеткізу",
              0.012),
    Programme("261", "02", "006", "Общеобразовательное обучение по специальным образовательным программам",
              "Арнайы білім беретін оқу бағдарламалары бойынша жалпы білім беру", 0.02),
    Programme("261", "02", "007", "Общеобразовательное обучение одаренных детей в специализированных организациях "
              "образования", "Мамандандырылған білім беру ұйымдарында дарынды балаларға жалпы білім беру", 0.022),
    Programme("261", "02", "012", "Дополнительное образование для детей и юношества",
              "Балалар мен жасөспірімдерге қосымша білім беру", 0.025),
    Programme("261", "09", "013", "Обследование психического здоровья детей и подростков и оказание "
              "психолого-медико-педагогической консультативной помощи населению",
              "Балалар мен жасөспірімдердің психикалық денсаулығын зерттеу және халыққа "
              "психологиялық-медициналық-педагогикалық консультациялық көмек көрсету", 0.002),
    Programme("261", "02", MEALS_PROGRAM, "Обеспечение бесплатным горячим питанием обучающихся начальных классов",
              "Бастауыш сынып білім алушыларын тегін ыстық тамақпен қамтамасыз ету", 0.0),
    Programme("261", "02", TRANSPORT_PROGRAM, "Обеспечение безопасного подвоза обучающихся к месту учебы и обратно",
              "Білім алушыларды оқу орнына дейін және кері қауіпсіз тасымалдауды қамтамасыз ету", 0.0),
    Programme("261", "04", "024", "Подготовка специалистов в организациях технического и профессионального, "
              "послесреднего образования",
              "Техникалық және кәсіптік, орта білімнен кейінгі білім беру ұйымдарында мамандар даярлау", 0.06),
    Programme("261", "09", "067", "Капитальные расходы подведомственных государственных организаций образования",
              "Ведомстволық бағыныстағы мемлекеттік білім беру ұйымдарының күрделі шығыстары", 0.03),
    Programme("288", "09", "010", "Строительство и реконструкция объектов образования",
              "Білім беру объектілерін салу және реконструкциялау", 0.09),
)  # fmt: skip


def annual_plan(region: str, year: int) -> int:
    """Final plan of a year in thousand tenge; before the table, 8 % less per year."""
    table = ANNUAL_PLAN[region]
    first = min(table)
    if year in table:
        return table[year]
    if year < first:
        return round(table[first] * 0.92 ** (first - year))
    return round(table[max(table)] * 1.08 ** (year - max(table)))


def _fixed(region: str, program: str, year: int, rng: random.Random) -> tuple[int, int]:
    """(plan, executed) in tenths of a thousand tenge for the fixed-amount programmes."""
    plan, executed = FIXED_2023[(region, program)]
    if year == INVARIANT_YEAR:
        return plan * 10, executed * 10
    factor = 1.07 ** (year - INVARIANT_YEAR)
    if region == OBLAST and year < 2022:
        factor *= 1.45  # the Zhetysu territories were still in the oblast
    plan_t = round(plan * factor) * 10
    return plan_t, round(plan_t * rng.uniform(0.95, 0.995))


def _thousands(tenths: int) -> Decimal:
    return Decimal(tenths).scaleb(-1)


def build_budget_lines(years: list[int], seed: int, line_type):
    lines = []
    for region in (OBLAST, CITY):
        for year in years:
            rng = random.Random(f"{seed}/budget/{region}/{year}")
            total = annual_plan(region, year) * 10
            fixed = {p.program: _fixed(region, p.program, year, rng) for p in PROGRAMMES if not p.share}
            shared = [p for p in PROGRAMMES if p.share]
            plans = dict(
                zip(
                    (p.program for p in shared),
                    allocate(
                        total - sum(v[0] for v in fixed.values()), [p.share * rng.uniform(0.95, 1.05) for p in shared]
                    ),
                )
            )
            for programme in PROGRAMMES:
                if programme.share:
                    plan = plans[programme.program]
                    executed = round(plan * rng.uniform(0.95, 0.995))
                else:
                    plan, executed = fixed[programme.program]
                approved = round(plan * (1 - rng.uniform(-0.02, 0.06)))
                refined = round(plan * (1 - rng.uniform(-0.01, 0.03)))
                first_change, second_change = rng.randint(4, 6), rng.randint(9, 11)
                increments = allocate(executed, [w * rng.uniform(0.8, 1.2) for w in MONTH_WEIGHTS])
                cumulative = 0
                for month, increment in enumerate(increments, start=1):
                    cumulative += increment
                    month_plan = approved if month < first_change else refined if month < second_change else plan
                    lines.append(
                        line_type(
                            region_kato=region,
                            year=year,
                            month=month,
                            functional_group="04",
                            subgroup=programme.subgroup,
                            administrator=programme.administrator,
                            program=programme.program,
                            program_name_ru=programme.name_ru,
                            program_name_kk=programme.name_kk,
                            plan_kzt_thousands=_thousands(max(month_plan, cumulative)),
                            executed_kzt_thousands=_thousands(cumulative),
                        )
                    )
    return lines
