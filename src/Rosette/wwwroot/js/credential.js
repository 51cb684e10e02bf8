// "Copy link": shown only where script can copy; without it the link stays in a read-only field to select.
(() => {
  'use strict';
  document.querySelectorAll('[data-copy]').forEach((button) => {
    if (!navigator.clipboard) {
      return;
    }
    button.hidden = false;
    button.addEventListener('click', async () => {
      const field = document.getElementById(button.dataset.copy);
      const status = document.querySelector('[data-copy-status]');
      try {
        await navigator.clipboard.writeText(field.value);
        status.textContent = 'Link copied.';
      } catch {
        field.select();
        status.textContent = 'Press Ctrl+C to copy the selected link.';
      }
    });
  });
})();
