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
  const format = new Intl.DateTimeFormat(document.documentElement.lang, { dateStyle: "medium", timeStyle: "short" });
  for (const time of document.querySelectorAll("time[datetime]")) {
    time.title = time.textContent;
    time.textContent = format.format(new Date(time.dateTime));
  }
}
