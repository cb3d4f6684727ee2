package phpkit

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	lua "github.com/yuin/gopher-lua"
)

// PHP's date functions. The zone is PHP's default timezone: "UTC" unless
// the script calls date_default_timezone_set, as php-cli without a php.ini
// date.timezone (PHP ignores the TZ environment variable).

// dateZone is the default timezone: its PHP name and location.
type dateZone struct {
	name string
	loc  *time.Location
}

func strZone(L *lua.LState) dateZone {
	if z := strStateOf(L).zone; z.loc != nil {
		return z
	}
	return dateZone{"UTC", time.UTC}
}

func dateDefaultTimezoneGet(k *Kit, L *lua.LState) int {
	strArgsOf(k, L, "date_default_timezone_get", 0, 0)
	return strPushString(L, strZone(L).name)
}

func dateDefaultTimezoneSet(k *Kit, L *lua.LState) int {
	a := strArgsOf(k, L, "date_default_timezone_set", 1, 1)
	name := a.str(1, "timezoneId")
	loc, err := time.LoadLocation(name)
	if err != nil || name == "" || name == "Local" {
		a.notice(fmt.Sprintf("date_default_timezone_set(): Timezone ID '%s' is invalid", name))
		return strPushBool(L, false)
	}
	if strings.EqualFold(name, "utc") {
		name = "UTC"
	}
	strStateOf(L).zone = dateZone{name, loc}
	return strPushBool(L, true)
}

// dateFn is date(format, timestamp = time()) and gmdate.
func dateFn(k *Kit, L *lua.LState, fn string, gmt bool) int {
	a := strArgsOf(k, L, fn, 1, 2)
	format := a.str(1, "format")
	t := time.Now()
	if a.given(2) {
		t = time.Unix(a.int(2, "timestamp"), 0)
	}
	zone := strZone(L)
	if gmt {
		zone = dateZone{"UTC", time.UTC}
	}
	return strPushString(L, dateFormat(format, t.In(zone.loc), zone.name))
}

var dateSuffixes = [...]string{"th", "st", "nd", "rd"}

// dateFormat writes each format character as PHP's date() does; a
// backslash escapes the next character.
func dateFormat(format string, t time.Time, zoneName string) string {
	var b strings.Builder
	pad2 := func(n int) { fmt.Fprintf(&b, "%02d", n) }
	zoneAbbr, offset := t.Zone()
	offsetStr := func(colon bool) string {
		sign := '+'
		o := offset
		if o < 0 {
			sign, o = '-', -o
		}
		sep := ""
		if colon {
			sep = ":"
		}
		return fmt.Sprintf("%c%02d%s%02d", sign, o/3600, sep, o%3600/60)
	}
	hour12 := t.Hour() % 12
	if hour12 == 0 {
		hour12 = 12
	}
	for i := 0; i < len(format); i++ {
		c := format[i]
		switch c {
		case 'd':
			pad2(t.Day())
		case 'D':
			b.WriteString(t.Weekday().String()[:3])
		case 'j':
			b.WriteString(strconv.Itoa(t.Day()))
		case 'l':
			b.WriteString(t.Weekday().String())
		case 'N':
			b.WriteString(strconv.Itoa((int(t.Weekday())+6)%7 + 1))
		case 'S':
			d := t.Day()
			switch {
			case d >= 11 && d <= 13, d%10 > 3:
				b.WriteString("th")
			default:
				b.WriteString(dateSuffixes[d%10])
			}
		case 'w':
			b.WriteString(strconv.Itoa(int(t.Weekday())))
		case 'z':
			b.WriteString(strconv.Itoa(t.YearDay() - 1))
		case 'W':
			_, w := t.ISOWeek()
			pad2(w)
		case 'F':
			b.WriteString(t.Month().String())
		case 'M':
			b.WriteString(t.Month().String()[:3])
		case 'm':
			pad2(int(t.Month()))
		case 'n':
			b.WriteString(strconv.Itoa(int(t.Month())))
		case 't':
			b.WriteString(strconv.Itoa(time.Date(t.Year(), t.Month()+1, 0, 0, 0, 0, 0, time.UTC).Day()))
		case 'L':
			if y := t.Year(); y%4 == 0 && (y%100 != 0 || y%400 == 0) {
				b.WriteByte('1')
			} else {
				b.WriteByte('0')
			}
		case 'o':
			y, _ := t.ISOWeek()
			b.WriteString(strconv.Itoa(y))
		case 'Y':
			if y := t.Year(); y < 0 {
				fmt.Fprintf(&b, "-%04d", -y)
			} else {
				fmt.Fprintf(&b, "%04d", y)
			}
		case 'y':
			pad2(t.Year() % 100)
		case 'a':
			b.WriteString(map[bool]string{false: "am", true: "pm"}[t.Hour() >= 12])
		case 'A':
			b.WriteString(map[bool]string{false: "AM", true: "PM"}[t.Hour() >= 12])
		case 'B':
			sec := ((t.Unix()%86400)+86400)%86400 + 3600
			fmt.Fprintf(&b, "%03d", (sec*10/864)%1000)
		case 'g':
			b.WriteString(strconv.Itoa(hour12))
		case 'G':
			b.WriteString(strconv.Itoa(t.Hour()))
		case 'h':
			pad2(hour12)
		case 'H':
			pad2(t.Hour())
		case 'i':
			pad2(t.Minute())
		case 's':
			pad2(t.Second())
		case 'u':
			fmt.Fprintf(&b, "%06d", t.Nanosecond()/1000)
		case 'v':
			fmt.Fprintf(&b, "%03d", t.Nanosecond()/1000000)
		case 'e':
			b.WriteString(zoneName)
		case 'I':
			if t.IsDST() {
				b.WriteByte('1')
			} else {
				b.WriteByte('0')
			}
		case 'O':
			b.WriteString(offsetStr(false))
		case 'P':
			b.WriteString(offsetStr(true))
		case 'p':
			if offset == 0 {
				b.WriteByte('Z')
			} else {
				b.WriteString(offsetStr(true))
			}
		case 'T':
			b.WriteString(zoneAbbr)
		case 'Z':
			b.WriteString(strconv.Itoa(offset))
		case 'c':
			b.WriteString(dateFormat("Y-m-d\\TH:i:sP", t, zoneName))
		case 'r':
			b.WriteString(dateFormat("D, d M Y H:i:s O", t, zoneName))
		case 'U':
			b.WriteString(strconv.FormatInt(t.Unix(), 10))
		case '\\':
			if i+1 < len(format) {
				i++
				b.WriteByte(format[i])
			}
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// mktimeFn is mktime(hour, minute, second, month, day, year): hour is required (PHP 8), each missing
// part is the current one, and out-of-range parts carry over (month 14 is
// February of the next year).
func mktimeFn(k *Kit, L *lua.LState, fn string, gmt bool) int {
	a := strArgsOf(k, L, fn, 1, 6)
	loc := strZone(L).loc
	if gmt {
		loc = time.UTC
	}
	now := time.Now().In(loc)
	hour := a.optInt(1, "hour", int64(now.Hour()))
	minute := a.optInt(2, "minute", int64(now.Minute()))
	second := a.optInt(3, "second", int64(now.Second()))
	month := a.optInt(4, "month", int64(now.Month()))
	day := a.optInt(5, "day", int64(now.Day()))
	year := a.optInt(6, "year", int64(now.Year()))
	if a.given(6) {
		// Two-digit years: 0-69 are 2000-2069, 70-100 are 1970-2000.
		switch {
		case year >= 0 && year < 70:
			year += 2000
		case year >= 70 && year <= 100:
			year += 1900
		}
	}
	t := time.Date(int(year), time.Month(month), int(day), int(hour), int(minute), int(second), 0, loc)
	return strPushInt(L, t.Unix())
}

func checkdate(k *Kit, L *lua.LState) int {
	a := strArgsOf(k, L, "checkdate", 3, 3)
	m := a.int(1, "month")
	d := a.int(2, "day")
	y := a.int(3, "year")
	if m < 1 || m > 12 || d < 1 || y < 1 || y > 32767 {
		return strPushBool(L, false)
	}
	last := time.Date(int(y), time.Month(m)+1, 0, 0, 0, 0, 0, time.UTC).Day()
	return strPushBool(L, d <= int64(last))
}
