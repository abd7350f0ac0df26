//! Calendar arithmetic the engine needs: day numbers for ages, and look-back cut-offs.

use bridgehub_domain::Date;

/// Days since 1970-01-01 (proleptic Gregorian), for fast age arithmetic.
pub fn day_number(date: Date) -> i64 {
    // Howard Hinnant's days_from_civil.
    let (year, month, day) = (
        i64::from(date.year()),
        i64::from(date.month()),
        i64::from(date.day()),
    );
    let year = if month <= 2 { year - 1 } else { year };
    let era = if year >= 0 { year } else { year - 399 } / 400;
    let year_of_era = year - era * 400;
    let month_index = (month + 9) % 12;
    let day_of_year = (153 * month_index + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The date of a day number (the inverse of [`day_number`]); `None` outside jiff's range.
pub fn date_from_day_number(days: i64) -> Option<Date> {
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let day_of_era = z - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    Date::new(i16::try_from(year).ok()?, month as i8, day as i8).ok()
}

/// The day number of the same calendar day `years` years before `today` (29 February
/// becomes 28 February in a common year).
pub fn years_before(today: Date, years: u32) -> i64 {
    let year = i64::from(today.year()) - i64::from(years);
    let (month, mut day) = (today.month(), today.day());
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    if month == 2 && day == 29 && !leap {
        day = 28;
    }
    let shifted = Date::new(year.clamp(-9999, 9999) as i16, month, day);
    match shifted {
        Ok(date) => day_number(date),
        Err(_) => day_number(today) - i64::from(years) * 365,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(text: &str) -> Date {
        bridgehub_domain::parse_date(text).unwrap()
    }

    #[test]
    fn day_numbers_count_days_from_the_unix_epoch() {
        assert_eq!(day_number(date("1970-01-01")), 0);
        assert_eq!(
            day_number(date("2000-03-01")) - day_number(date("2000-02-28")),
            2
        );
        assert_eq!(
            day_number(date("2026-11-25")) - day_number(date("2025-11-25")),
            365
        );
    }

    #[test]
    fn day_numbers_round_trip() {
        for text in ["1970-01-01", "2000-02-29", "2026-11-25", "1899-12-31"] {
            assert_eq!(
                date_from_day_number(day_number(date(text))),
                Some(date(text))
            );
        }
    }

    #[test]
    fn look_back_keeps_the_calendar_day() {
        assert_eq!(
            years_before(date("2026-11-25"), 5),
            day_number(date("2021-11-25"))
        );
        assert_eq!(
            years_before(date("2024-02-29"), 1),
            day_number(date("2023-02-28"))
        );
    }
}
