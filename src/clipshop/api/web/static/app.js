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
