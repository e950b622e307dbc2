/** @file
 * libkarak: the value types of UUID, date and datetime fields, as a handler reads them from a
 * validated struct and writes them into a response model. Included by <karak.h>; include
 * that instead.
 *
 * They mirror what pydantic hands a FastAPI handler: uuid.UUID, datetime.date and
 * datetime.datetime (naive, or aware with a fixed UTC offset). Plain values, no pointers: a
 * field of one of these types is copied, never borrowed. */
#ifndef KARAK_PUBLIC_FORMATS_H
#define KARAK_PUBLIC_FORMATS_H

#include <stdbool.h>
#include <stdint.h>

/** A UUID as its 16 bytes in network order: "550e8400-e29b-..." has bytes[0] == 0x55. Any
 * version and variant, the nil UUID included (pydantic checks none by default). A response
 * writes it lowercase and hyphenated. */
typedef struct karak_uuid {
    uint8_t bytes[16]; /**< the 128 bits, most significant byte first */
} karak_uuid;

/** A calendar date of the proleptic Gregorian calendar, as Python's datetime.date: year
 * 1-9999, month 1-12, day 1-28..31 as the month and leap year allow. A response writes it
 * "YYYY-MM-DD". */
typedef struct karak_date {
    int32_t year;  /**< 1-9999 */
    uint8_t month; /**< 1-12 */
    uint8_t day;   /**< 1-28..31, as the month and leap year allow */
} karak_date;

/** A date and time of day, as Python's datetime.datetime: the date's fields as in
 * karak_date, hour 0-23, minute 0-59, second 0-59 (no leap second), microsecond
 * 0-999999.
 *
 * has_offset false: a naive datetime ("2024-01-15T10:30:00"), no zone known.
 * has_offset true: an aware one, offset_seconds east of UTC (-05:00 is -18000), strictly
 * between -86400 and 86400; parsed values always hold whole minutes. An offset of 0 is UTC.
 *
 * A response model writes "2024-01-15T10:30:00", "2024-01-15T10:30:00.500000Z" or
 * "...+02:00": microseconds as six digits only when not zero, UTC as "Z" (pydantic's JSON
 * form). */
typedef struct karak_datetime {
    int32_t year;           /**< 1-9999, as in karak_date */
    uint8_t month;          /**< 1-12 */
    uint8_t day;            /**< 1-28..31, as the month and leap year allow */
    uint8_t hour;           /**< 0-23 */
    uint8_t minute;         /**< 0-59 */
    uint8_t second;         /**< 0-59 (no leap second) */
    uint32_t microsecond;   /**< 0-999999 */
    bool has_offset;        /**< false: naive; true: aware, offset_seconds east of UTC */
    int32_t offset_seconds; /**< the UTC offset when has_offset, strictly between -86400
                                 and 86400; 0 is UTC */
} karak_datetime;

#endif
