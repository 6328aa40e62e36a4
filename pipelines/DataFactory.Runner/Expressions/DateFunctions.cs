using System.Globalization;
using System.Text.Json.Nodes;
using TimeZoneConverter;
using static DataFactory.Runner.Expressions.Values;

namespace DataFactory.Runner.Expressions;

/// <summary>
/// The date functions of the expression reference. A timestamp keeps its kind: one given in UTC (Z or an offset)
/// comes back in UTC with a Z, one without a zone comes back without one, as .NET's "o" format does, which is
/// the reference's default format (microsoft/data-factory-testing-framework test_format_date_time:
/// formatDateTime('2023-11-24T12:11:49') is '2023-11-24T12:11:49.0000000').
/// </summary>
internal static class DateFunctions
{
    /// <summary>
    /// Standard formats ('D', 'f', ...) as the reference's examples show them (en-US: "Monday, January 1, 2018");
    /// the project runs with invariant globalization, so the en-US patterns are set here.
    /// </summary>
    private static readonly DateTimeFormatInfo EnglishUs = CreateEnglishUs();

    public static JsonNode? Invoke(string name, List<JsonNode?> a, DateTimeOffset now) => name switch
    {
        "utcnow" => Functions.N(a, 0, name, 1) ?? Of(Format(now.UtcDateTime, OptionalFormat(a, 0, name))),
        "formatdatetime" => Functions.N(a, 1, name, 2) ?? Of(Format(Parse(a, 0, name), OptionalFormat(a, 1, name))),
        "adddays" => Add(a, name, (t, n) => t.AddDays(n)),
        "addhours" => Add(a, name, (t, n) => t.AddHours(n)),
        "addminutes" => Add(a, name, (t, n) => t.AddMinutes(n)),
        "addseconds" => Add(a, name, (t, n) => t.AddSeconds(n)),
        "addtotime" => Functions.N(a, 3, name, 4) ?? Of(Format(AddUnits(Parse(a, 0, name), Interval(a, 1, name), Unit(a, 2, name)), OptionalFormat(a, 3, name))),
        "subtractfromtime" => Functions.N(a, 3, name, 4) ?? Of(Format(AddUnits(Parse(a, 0, name), -Interval(a, 1, name), Unit(a, 2, name)), OptionalFormat(a, 3, name))),
        "getfuturetime" => Functions.N(a, 2, name, 3) ?? Of(Format(AddUnits(now.UtcDateTime, Interval(a, 0, name), Unit(a, 1, name)), OptionalFormat(a, 2, name))),
        "getpasttime" => Functions.N(a, 2, name, 3) ?? Of(Format(AddUnits(now.UtcDateTime, -Interval(a, 0, name), Unit(a, 1, name)), OptionalFormat(a, 2, name))),
        "startofday" => Functions.N(a, 1, name, 2) ?? Of(Format(Parse(a, 0, name).Date, OptionalFormat(a, 1, name))),
        "startofhour" => Functions.N(a, 1, name, 2) ?? Of(Format(Truncate(Parse(a, 0, name), TimeSpan.TicksPerHour), OptionalFormat(a, 1, name))),
        "startofmonth" => Functions.N(a, 1, name, 2) ?? Of(Format(StartOfMonth(Parse(a, 0, name)), OptionalFormat(a, 1, name))),
        "dayofweek" => Functions.N(a, 1, name) ?? Of((long)Parse(a, 0, name).DayOfWeek),
        "dayofmonth" => Functions.N(a, 1, name) ?? Of((long)Parse(a, 0, name).Day),
        "dayofyear" => Functions.N(a, 1, name) ?? Of((long)Parse(a, 0, name).DayOfYear),
        "ticks" => Functions.N(a, 1, name) ?? Of(Parse(a, 0, name).Ticks),
        "convertfromutc" => Functions.N(a, 2, name, 3) ?? Of(Format(
            TimeZoneInfo.ConvertTimeFromUtc(DateTime.SpecifyKind(Parse(a, 0, name), DateTimeKind.Utc), Zone(a, 1, name)), OptionalFormat(a, 2, name))),
        "converttoutc" => Functions.N(a, 2, name, 3) ?? Of(Format(
            TimeZoneInfo.ConvertTimeToUtc(WallClock(Parse(a, 0, name), Zone(a, 1, name)), Zone(a, 1, name)), OptionalFormat(a, 2, name))),
        "converttimezone" => Functions.N(a, 3, name, 4) ?? Of(Format(
            TimeZoneInfo.ConvertTime(WallClock(Parse(a, 0, name), Zone(a, 1, name)), Zone(a, 1, name), Zone(a, 2, name)), OptionalFormat(a, 3, name))),
        _ => null,
    };

    public static bool Knows(string name) => name is "utcnow" or "formatdatetime" or "adddays" or "addhours" or "addminutes" or "addseconds"
        or "addtotime" or "subtractfromtime" or "getfuturetime" or "getpasttime" or "startofday" or "startofhour" or "startofmonth"
        or "dayofweek" or "dayofmonth" or "dayofyear" or "ticks" or "convertfromutc" or "converttoutc" or "converttimezone";

    private static DateTime Parse(List<JsonNode?> a, int index, string name)
    {
        var text = Functions.Text(a[index], name, index + 1);
        if (!DateTime.TryParse(text, EnglishUs, DateTimeStyles.RoundtripKind, out var time))
            throw new FunctionException($"{name}() argument {index + 1} '{text}' is not a timestamp (ISO 8601, e.g. 2026-01-31T12:00:00Z)");
        // A timestamp with an offset is the same instant in UTC.
        return time.Kind == DateTimeKind.Local ? time.ToUniversalTime() : time;
    }

    private static string? OptionalFormat(List<JsonNode?> a, int index, string name) => a.Count > index ? Functions.Text(a[index], name, index + 1) : null;

    private static string Format(DateTime time, string? format)
    {
        try
        {
            return time.ToString(string.IsNullOrEmpty(format) ? "o" : format, EnglishUs);
        }
        catch (FormatException)
        {
            throw new FunctionException($"'{format}' is not a .NET date format (a standard one such as 'o' or 'D', or a custom pattern such as 'yyyy-MM-dd')");
        }
    }

    private static JsonNode Add(List<JsonNode?> a, string name, Func<DateTime, double, DateTime> add)
    {
        Functions.N(a, 2, name, 3);
        if (!IsNumber(a[1])) throw new FunctionException($"{name}() argument 2 must be a number, but is {Describe(a[1])}");
        return Of(Format(add(Parse(a, 0, name), AsDouble(a[1])), OptionalFormat(a, 2, name)));
    }

    private static long Interval(List<JsonNode?> a, int index, string name) =>
        KindOf(a[index]) == Kind.Integer ? AsLong(a[index]) : throw new FunctionException($"{name}() argument {index + 1} must be an integer, but is {Describe(a[index])}");

    private static string Unit(List<JsonNode?> a, int index, string name) => Functions.Text(a[index], name, index + 1);

    private static DateTime AddUnits(DateTime time, long interval, string unit) => unit.ToLowerInvariant() switch
    {
        "second" => time.AddSeconds(interval),
        "minute" => time.AddMinutes(interval),
        "hour" => time.AddHours(interval),
        "day" => time.AddDays(interval),
        "week" => time.AddDays(7 * interval),
        "month" => time.AddMonths((int)interval),
        "year" => time.AddYears((int)interval),
        _ => throw new FunctionException($"'{unit}' is not a time unit: use Second, Minute, Hour, Day, Week, Month or Year"),
    };

    private static DateTime Truncate(DateTime time, long ticks) => new(time.Ticks - time.Ticks % ticks, time.Kind);

    private static DateTime StartOfMonth(DateTime time) => new(time.Year, time.Month, 1, 0, 0, 0, time.Kind);

    /// <summary>The clock time in <paramref name="zone"/>: a UTC timestamp is converted there first, one without a zone is taken as it is.</summary>
    private static DateTime WallClock(DateTime time, TimeZoneInfo zone) =>
        time.Kind == DateTimeKind.Utc ? TimeZoneInfo.ConvertTimeFromUtc(time, zone) : DateTime.SpecifyKind(time, DateTimeKind.Unspecified);

    /// <summary>Windows time zone names, as the reference asks for (Microsoft Time Zone Index Values); IANA names work too.</summary>
    private static TimeZoneInfo Zone(List<JsonNode?> a, int index, string name)
    {
        var text = Functions.Text(a[index], name, index + 1);
        return TZConvert.TryGetTimeZoneInfo(text, out var zone)
            ? zone
            : throw new FunctionException($"{name}() argument {index + 1} '{text}' is not a time zone name (Windows names such as 'W. Europe Standard Time' or 'Pacific Standard Time')");
    }

    private static DateTimeFormatInfo CreateEnglishUs()
    {
        var format = (DateTimeFormatInfo)CultureInfo.InvariantCulture.DateTimeFormat.Clone();
        format.ShortDatePattern = "M/d/yyyy";
        format.LongDatePattern = "dddd, MMMM d, yyyy";
        format.ShortTimePattern = "h:mm tt";
        format.LongTimePattern = "h:mm:ss tt";
        format.FullDateTimePattern = "dddd, MMMM d, yyyy h:mm:ss tt";
        format.MonthDayPattern = "MMMM d";
        format.YearMonthPattern = "MMMM yyyy";
        return format;
    }
}
