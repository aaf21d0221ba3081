"""Names and identifiers as Kazakhstani registers write them (synthetic, but of the real shape)."""

from __future__ import annotations

import random

PRIVATE_BRANDS = (
    "Білім-Инновация", "Мирас", "Зерде", "Дарын", "Болашақ", "Шоқан", "Келешек", "Арман", "Нұр",
    "Жұлдыз", "Ақ Бота", "Самал", "Алтын Бесік", "Тамос", "Ұлағат", "Сапа", "Жаңа Ғасыр", "Ізденіс",
    "Кемел", "Өркен",
)  # fmt: skip

CITY_MICRODISTRICTS = {
    "751110000": ("ул. Толе би", "ул. Абая", "ул. Жамбыла"),
    "751210000": ("мкр. Алгабас", "мкр. Акбулак", "мкр. Шанырак-2", "мкр. Айгерим", "мкр. Карасу"),
    "751310000": ("мкр. Жетысу-3", "мкр. Аксай-1", "мкр. Мамыр", "мкр. Таугуль"),
    "751410000": ("мкр. Орбита-2", "мкр. Казахфильм", "мкр. Коктем"),
    "751510000": ("мкр. Кокжиек", "мкр. Айнабулак", "мкр. Кулагер"),
    "751710000": ("мкр. Думан", "мкр. Горный Гигант", "мкр. Алатау"),
    "751810000": ("мкр. Шугыла", "мкр. Калкаман", "мкр. Таусамалы", "мкр. Карагайлы"),
    "751910000": ("мкр. Жулдыз", "мкр. Кайрат", "мкр. Жас Канат", "мкр. Теректы"),
}


def bin_check_digit(first11: str) -> int | None:
    """Check digit of a 12-digit BIN/IIN; None when the number cannot be valid (both passes give 10)."""
    digits = [int(c) for c in first11]
    total = sum(d * w for d, w in zip(digits, range(1, 12))) % 11
    if total == 10:
        weights = [3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2]
        total = sum(d * w for d, w in zip(digits, weights)) % 11
        if total == 10:
            return None
    return total


def make_bin(rng: random.Random, registered_year: int, used: set[str]) -> str:
    """A BIN of a resident legal entity's head office (digits 5-6 = ``40``), registered in that year."""
    while True:
        first11 = f"{registered_year % 100:02d}{rng.randint(1, 12):02d}40{rng.randint(0, 99999):05d}"
        check = bin_check_digit(first11)
        if check is None:
            continue
        value = first11 + str(check)
        if value not in used:
            used.add(value)
            return value


def school_names(
    number: int, settlement: str | None, is_state: bool, is_city: bool, brand: str | None = None
) -> tuple[str, str]:
    """(name_ru, name_kk) of a general-education school."""
    if not is_state:
        brand = brand or "Білім"
        return f"ТОО «Частная школа «{brand}»»", f"«{brand}» жеке мектебі ЖШС"
    if is_city or not settlement:
        return (
            f"КГУ «Общеобразовательная школа №{number}»",
            f"«№{number} жалпы білім беретін мектеп» КММ",
        )
    return (
        f"КГУ «Средняя школа №{number} с. {settlement}»",
        f"«{settlement} ауылының №{number} орта мектебі» КММ",
    )


def kindergarten_names(number: int, is_state: bool, brand: str | None = None) -> tuple[str, str]:
    if is_state:
        return f"ГККП «Ясли-сад №{number}»", f"«№{number} бөбекжай-бақшасы» МКҚК"
    brand = brand or "Балапан"
    return f"ТОО «Детский сад «{brand}»»", f"«{brand}» балабақшасы ЖШС"


def project_names(places: int, place: str, district_ru: str, district_kk: str, is_city: bool) -> tuple[str, str]:
    """(name_ru, name_kk) of a Comfortable School construction project."""
    if is_city:
        return (
            f"Строительство комфортной школы на {places} мест, {place}, {district_ru} г. Алматы",
            f"Алматы қаласы {district_kk}, {place}, {places} орындық жайлы мектеп салу",
        )
    return (
        f"Строительство комфортной школы на {places} мест в с. {place}, {district_ru}",
        f"{district_kk}, {place} ауылында {places} орындық жайлы мектеп салу",
    )
