// clipshop pages: tell the server the viewer's time zone (cookie "tz"), so times are shown in it.
(function () {
  var zone = Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
  var current = (document.cookie.match(/(?:^|; )tz=([^;]*)/) || [])[1];
  if (current === zone) return;
  document.cookie = "tz=" + zone + "; path=/; max-age=31536000; SameSite=Lax";  // IANA names are cookie-safe
  if (!sessionStorage.getItem("tz-reloaded")) {  // once: redraw the times in the right zone
    sessionStorage.setItem("tz-reloaded", "1");
    location.reload();
  }
})();
// flash deals: tick each <time data-countdown datetime="..."> once a minute; the server wrote
// the same words ("1 day 4 h left", "35 min left"), so the page is right without this script.
(function () {
  var clocks = document.querySelectorAll("time[data-countdown]");
  if (!clocks.length) return;
  function span(minutes) {
    var days = Math.floor(minutes / 1440), hours = Math.floor((minutes % 1440) / 60), mins = minutes % 60;
    if (days) return days + (days === 1 ? " day" : " days") + (hours ? " " + hours + " h" : "");
    if (hours) return hours + " h" + (mins ? " " + mins + " min" : "");
    return mins + " min";
  }
  function tick() {
    clocks.forEach(function (el) {
      var left = Math.floor((Date.parse(el.getAttribute("datetime")) - Date.now()) / 60000);
      el.textContent = left >= 0 ? span(left) + " left" : "ended";
    });
  }
  setInterval(tick, 30000);
})();
