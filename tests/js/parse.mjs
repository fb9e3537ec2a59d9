// Parse .ics files with ical.js (Thunderbird's parser) and print what it understood, as JSON.
// Usage: node parse.mjs FILE... ; exits 1 on the first file ical.js cannot parse.
import { readFileSync } from "node:fs";
import ICAL from "ical.js";

const out = {};
for (const file of process.argv.slice(2)) {
  let root;
  try {
    root = new ICAL.Component(ICAL.parse(readFileSync(file, "utf8")));
  } catch (err) {
    console.error(`${file}: ${err}`);
    process.exit(1);
  }
  for (const vtz of root.getAllSubcomponents("vtimezone")) {
    ICAL.TimezoneService.register(vtz);
  }
  out[file] = {
    name: root.getFirstPropertyValue("x-wr-calname"),
    refresh: String(root.getFirstPropertyValue("refresh-interval")),
    events: root.getAllSubcomponents("vevent").map((v) => {
      const ev = new ICAL.Event(v);
      return {
        uid: ev.uid,
        summary: ev.summary,
        sequence: ev.sequence,
        status: v.getFirstPropertyValue("status"),
        all_day: ev.startDate.isDate,
        start: ev.startDate.toString(),
        end: ev.endDate.toString(),
        start_utc: ev.startDate.isDate ? null : ev.startDate.toUnixTime(),
        tzid: ev.startDate.isDate ? null : ev.startDate.zone.tzid,
        alarms: v.getAllSubcomponents("valarm").length,
      };
    }),
  };
}
process.stdout.write(JSON.stringify(out));
