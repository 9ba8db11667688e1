// Small progressive enhancements; every page works without them.
for (const form of document.querySelectorAll("form[data-confirm]")) {
  form.addEventListener("submit", (event) => {
    if (!window.confirm(form.dataset.confirm)) event.preventDefault();
  });
}
for (const form of document.querySelectorAll("form[data-autosubmit]")) {
  form.addEventListener("change", () => form.requestSubmit());
}
for (const button of document.querySelectorAll("[data-print]")) {
  button.addEventListener("click", () => window.print());
}
const refresh = document.querySelector("[data-refresh]");
if (refresh) setTimeout(() => window.location.reload(), Number(refresh.dataset.refresh) * 1000);
// Times are written in Bishkek time; a browser elsewhere shows them in its own time zone.
const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
if (zone && zone !== document.documentElement.dataset.zone) {
  // A browser without the page's language (Chromium has no Kyrgyz) would write English month names:
  // digits then, as Kyrgyz dates are written (01.12.2026, 16:30).
  const lang = document.documentElement.lang;
  const format = Intl.DateTimeFormat.supportedLocalesOf([lang]).length
    ? new Intl.DateTimeFormat(lang, { dateStyle: "medium", timeStyle: "short" })
    : new Intl.DateTimeFormat("ru", { year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit" });
  const clock = new Intl.DateTimeFormat("ru", { hour: "2-digit", minute: "2-digit" }); // 16:30 in every language
  for (const time of document.querySelectorAll("time[datetime]")) {
    time.title = time.textContent;
    time.textContent = (time.dataset.format === "time" ? clock : format).format(new Date(time.dateTime));
  }
}
