// Posts the deep-linking response back to the LMS as soon as the page loads; the
// button stays for a browser with scripts off.
document.querySelectorAll("form[data-autosubmit]").forEach((form) => form.submit());
