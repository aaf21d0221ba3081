"""Every text of the portal's interface in Kazakh, Russian and English (data labels come from the
dbt column meta instead). ``{name}`` placeholders are filled in by the page's script."""

from __future__ import annotations

LANGUAGE_NAMES = {"kk": "Қазақша", "ru": "Русский", "en": "English"}
DEFAULT_LANGUAGE = "kk"

UI: dict[str, tuple[str, str, str]] = {
    # key: (kk, ru, en)
    "title": (
        "Білім беру статистикасы: Алматы қаласы және Алматы облысы",
        "Статистика образования: город Алматы и Алматинская область",
        "Education statistics: Almaty city and Almaty oblast",
    ),
    "subtitle": (
        "Тексеруден өткен жарияланған деректер, ашық және қайта пайдалануға болады",
        "Опубликованные данные, прошедшие проверки; открыты для повторного использования",
        "Published data that passed its checks, open for reuse",
    ),
    "language": ("Тіл", "Язык", "Language"),
    "release": ("Шығарылым", "Выпуск", "Release"),
    "published_at": ("Жарияланды", "Опубликован", "Published"),
    "exported_at": ("Файлдар жасалды", "Файлы созданы", "Files made"),
    "synthetic_banner": (
        "Назар аударыңыз: бұл шығарылымда синтетикалық (жасанды) деректер бар. Олар нақты статистика емес "
        "және тек жүйені көрсету үшін берілген.",
        "Внимание: в этом выпуске есть синтетические (сгенерированные) данные. Это не реальная статистика, "
        "они нужны только для демонстрации системы.",
        "Attention: this release contains synthetic (generated) data. It is not real statistics and is only "
        "there to demonstrate the system.",
    ),
    "synthetic": ("синтетикалық", "синтетические", "synthetic"),
    "synthetic_rows": ("синтетикалық жол", "синтетических строк", "synthetic rows"),
    "nav_headlines": ("Негізгі көрсеткіштер", "Ключевые показатели", "Headline figures"),
    "nav_measures": ("Аумақтар мен жылдар бойынша", "По территориям и годам", "By territory and year"),
    "nav_charts": ("Графиктер", "Графики", "Charts"),
    "nav_tables": ("Кестелер мен жүктеу", "Таблицы и загрузки", "Tables and downloads"),
    "nav_quality": ("Сапа есебі", "Отчёт о качестве", "Quality report"),
    "nav_provenance": ("Дереккөздер мен мәлімдемелер", "Источники и заявления", "Sources and claims"),
    "nav_changes": ("Өзгерістер", "Изменения", "Changes"),
    "nav_claims": (
        "Мәлімдемелер және ресми мәндер",
        "Заявления и официальные значения",
        "Claims vs official figures",
    ),
    "claims_view_intro": (
        "Баспасөздегі әр мәлімдеме сол аумақ, кезең және негіз бойынша ресми мәнмен қатар. Қорытындыны "
        "және айырмашылықты қойма бір ережемен шығарады; бұл бет оларды тек көрсетеді.",
        "Каждое заявление прессы рядом с официальным значением по той же территории, периоду и основе. "
        "Вердикт и разницу определяет хранилище по одному правилу; эта страница их только показывает.",
        "Every press claim next to the official figure for the same territory, period and basis. The verdict "
        "and the difference are the warehouse's, by one rule; this page only shows them.",
    ),
    "col_quote": ("Дәйексөз", "Цитата", "Quote"),
    "col_article": ("Мақала", "Статья", "Article"),
    "col_date": ("Күні", "Дата", "Date"),
    "col_where_when": ("Аумақ, кезең", "Территория, период", "Territory, period"),
    "col_official": ("Ресми мән", "Официальное значение", "Official figure"),
    "col_verdict": ("Қорытынды", "Вердикт", "Verdict"),
    "col_difference": ("Айырмашылық", "Разница", "Difference"),
    "official_period": ("кезеңі", "период", "period"),
    "basis_claimed_official": (
        "мәлімдемеде: {claimed}; ресми мәнде: {official}",
        "в заявлении: {claimed}; в официальном значении: {official}",
        "claimed: {claimed}; official: {official}",
    ),
    "territory": ("Аумақ", "Территория", "Territory"),
    "year": ("Жыл", "Год", "Year"),
    "no_headlines": (
        "Бұл шығарылымда негізгі көрсеткіштер жоқ",
        "В этом выпуске нет ключевых показателей",
        "No headline figures in this release",
    ),
    "no_measures": (
        "Бұл аумақ пен жыл бойынша деректер жоқ",
        "Нет данных по этой территории и году",
        "No data for this territory and year",
    ),
    "measures_note": (
        "Мәндер: барлық елді мекендер, жарияланған шекаралар бойынша (бар болса).",
        "Значения: все типы местности, в границах на момент публикации (где применимо).",
        "Values: all settlement types, borders as published (where applicable).",
    ),
    "not_in_release": ("Бұл шығарылымда жоқ", "Нет в этом выпуске", "Not in this release"),
    "not_in_release_detail": (
        "«{table}» кестесі бұл шығарылымға кірмеген.",
        "Таблица «{table}» не вошла в этот выпуск.",
        "The table “{table}” is not part of this release.",
    ),
    "chart_columns_missing": (
        "«{table}» кестесінде бұл графикке қажетті бағандар жоқ: {columns}.",
        "В таблице «{table}» нет столбцов, нужных для графика: {columns}.",
        "The table “{table}” lacks the columns this chart needs: {columns}.",
    ),
    "chart_no_rows": (
        "«{table}» кестесінде графикке арналған жол жоқ.",
        "В таблице «{table}» нет строк для графика.",
        "The table “{table}” has no rows to chart.",
    ),
    "chart_schools": (
        "Өңірлер бойынша мектептер саны, жылдар бойынша",
        "Число школ по регионам и годам",
        "Schools by region and year",
    ),
    "chart_budget": (
        "Білім беруге арналған бюджет, жылдар бойынша",
        "Бюджет на образование по годам",
        "Education budget over time",
    ),
    "chart_free_meals": (
        "Тегін ыстық тамақпен қамту",
        "Охват бесплатным горячим питанием",
        "Free hot-meal coverage",
    ),
    "chart_comfortable_school": (
        "«Жайлы мектеп»: аудандар бойынша орындар",
        "«Комфортная школа»: места по районам",
        "Comfortable School: places by district",
    ),
    "chart_place_deficit": (
        "Аудандар бойынша оқушы орындарының тапшылығы",
        "Дефицит ученических мест по районам",
        "Place deficit by district",
    ),
    "chart_hint": (
        "Басқа аумақтарды көрсету үшін аңыздағы атауды басыңыз.",
        "Чтобы показать другие территории, нажмите на название в легенде.",
        "Click a name in the legend to show other territories.",
    ),
    "target": ("Жоспар", "План", "Target"),
    "exact_value": ("Нақты мәні", "Точное значение", "Exact value"),
    "period": ("Кезең", "Период", "Period"),
    "basis": ("Шекара негізі", "Основа границ", "Territory basis"),
    "resolve": ("Не істеу керек", "Что делать", "How to resolve"),
    "download": ("Жүктеп алу", "Скачать", "Download"),
    "rows": ("жол", "строк", "rows"),
    "grain": ("Бір жол", "Одна строка", "One row per"),
    "sheet": ("парақ", "лист", "sheet"),
    "all_files": ("Барлық файлдар", "Все файлы", "All files"),
    "workbook": (
        "Барлық кестелер бір Excel кітабында (README және деректер сөздігі парақтарымен)",
        "Все таблицы в одной книге Excel (с листами README и словарём данных)",
        "All tables in one Excel workbook (with README and data dictionary sheets)",
    ),
    "dictionary": ("Деректер сөздігі", "Словарь данных", "Data dictionary"),
    "changes_file": ("Өзгерістер тізімі", "Список изменений", "Change log"),
    "manifest": (
        "Шығарылым манифесі (файлдардың бақылау сомалары)",
        "Манифест выпуска (контрольные суммы файлов)",
        "Release manifest (file checksums)",
    ),
    "dbt_docs": (
        "Модельдер құжаттамасы (dbt docs)",
        "Документация моделей (dbt docs)",
        "Model documentation (dbt docs)",
    ),
    "quality_file": ("Сапа есебі (Markdown)", "Отчёт о качестве (Markdown)", "Quality report (Markdown)"),
    "quality_data_docs": (
        "Тексеру нәтижелері (Great Expectations Data Docs)",
        "Результаты проверок (Great Expectations Data Docs)",
        "Validation results (Great Expectations Data Docs)",
    ),
    "preview": ("Алғашқы жолдар", "Первые строки", "First rows"),
    "quality_passed": (
        "Шығарылым жариялау алдындағы тексерулерден өтті.",
        "Выпуск прошёл проверки перед публикацией.",
        "The release passed its pre-publication checks.",
    ),
    "quality_summary": (
        "{total} тексерудің {passed} өтті; сыни қателер: {critical}; ескертулер: {warnings}.",
        "Пройдено {passed} из {total} проверок; критических ошибок: {critical}; предупреждений: {warnings}.",
        "{passed} of {total} checks passed; critical failures: {critical}; warnings: {warnings}.",
    ),
    "quality_none": (
        "Бұл шығарылым үшін тексеру нәтижелері жоқ",
        "Для этого выпуска нет результатов проверок",
        "No check results for this release",
    ),
    "dataset": ("Кесте", "Таблица", "Table"),
    "check": ("Тексеру", "Проверка", "Check"),
    "severity": ("Маңыздылығы", "Важность", "Severity"),
    "result": ("Нәтиже", "Результат", "Result"),
    "protects": ("Нені қорғайды", "Что защищает", "What it protects"),
    "passed": ("өтті", "пройдена", "passed"),
    "failed": ("өтпеді", "не пройдена", "failed"),
    "critical": ("сыни", "критическая", "critical"),
    "warning": ("ескерту", "предупреждение", "warning"),
    "source": ("Дереккөз", "Источник", "Source"),
    "value": ("Мән", "Значение", "Value"),
    "claims": ("Баспасөздегі мәлімдемелер", "Заявления в прессе", "Press claims"),
    "claims_none": (
        "Бұл көрсеткіш туралы мәлімдемелер табылмады",
        "Заявлений об этом показателе не найдено",
        "No press claims about this figure",
    ),
    "claims_not_in_release": (
        "Баспасөз мәлімдемелерінің кестесі бұл шығарылымда жоқ",
        "Таблицы заявлений прессы нет в этом выпуске",
        "The press-claims table is not in this release",
    ),
    "claim_confirmed": ("расталды", "подтверждено", "confirmed"),
    "claim_differs": ("сәйкес келмейді", "расходится", "differs"),
    "claim_different_basis": ("басқа негізде", "другая основа", "different basis"),
    "claim_unverifiable_synthetic": (
        "тексеру мүмкін емес (тек синтетикалық дерек)",
        "нельзя проверить (только синтетические данные)",
        "unverifiable (only synthetic data)",
    ),
    "claim_no_official_figure": ("ресми мән жоқ", "нет официального значения", "no official figure"),
    "figure_synthetic": ("синтетикалық", "синтетическое", "synthetic"),
    "claim_unknown": ("салыстыру мүмкін емес", "сравнить нельзя", "cannot compare"),
    "claimed": ("Мәлімделген мән", "Заявленное значение", "Claimed value"),
    "changes_first": ("Бұл — алғашқы шығарылым.", "Это первый выпуск.", "This is the first release."),
    "changes_since": (
        "{prev}-шығарылыммен салыстырғанда",
        "По сравнению с выпуском {prev}",
        "Compared with release {prev}",
    ),
    "changes_not_kept": (
        "{prev}-шығарылым қоймада енді сақталмайды, сондықтан жолдарды салыстыру мүмкін емес.",
        "Выпуск {prev} больше не хранится в хранилище, поэтому строки сравнить нельзя.",
        "Release {prev} is no longer kept in the warehouse, so rows cannot be compared.",
    ),
    "status": ("Күйі", "Статус", "Status"),
    "rows_before": ("Бұрын, жол", "Было строк", "Rows before"),
    "rows_after": ("Қазір, жол", "Стало строк", "Rows after"),
    "added": ("қосылды", "добавлено", "added"),
    "changed": ("өзгерді", "изменено", "changed"),
    "removed": ("жойылды", "удалено", "removed"),
    "unchanged": ("өзгеріссіз", "без изменений", "unchanged"),
    "new": ("жаңа", "новая", "new"),
    "before": ("Бұрын", "Было", "Before"),
    "after": ("Қазір", "Стало", "After"),
    "headline_changes": ("Негізгі көрсеткіштердің өзгерісі", "Изменения ключевых показателей", "Headline changes"),
    "footer": (
        "Барлық деректер осы бетке енгізілген: бет серверсіз де ашылады. Файлдардың тұтастығын manifest.json "
        "ішіндегі SHA-256 сомаларымен тексеруге болады.",
        "Все данные встроены в эту страницу: она открывается и без сервера. Целостность файлов можно проверить "
        "по суммам SHA-256 в manifest.json.",
        "All data are embedded in this page: it opens without a server too. File integrity can be checked "
        "against the SHA-256 sums in manifest.json.",
    ),
    "git_commit": ("Код нұсқасы", "Версия кода", "Code version"),
    "content_hash": ("Мазмұн хэші", "Хэш содержимого", "Content hash"),
    "input_batches": ("Кіріс файлдар", "Входные файлы", "Input files"),
    "kb": ("КБ", "КБ", "KB"),
    "format_csv_excel": ("CSV Excel үшін (;)", "CSV для Excel (;)", "CSV for Excel (;)"),
    "format_csv": ("CSV (стандарт)", "CSV (стандарт)", "CSV (standard)"),
    "format_xlsx": ("XLSX", "XLSX", "XLSX"),
    "format_parquet": ("Parquet", "Parquet", "Parquet"),
    "mb": ("МБ", "МБ", "MB"),
}


def ui_strings() -> dict[str, dict[str, str]]:
    return {key: dict(zip(("kk", "ru", "en"), values)) for key, values in UI.items()}
