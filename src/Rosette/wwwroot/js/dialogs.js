// Progressive enhancement for the choosers: without script they are plain form steps (each button posts the form and
// the page comes back with the chooser open); with script they open as modal <dialog>s, and the student list is
// searched and paged in place. Focus returns to the button that opened a dialog when it closes.
(() => {
  'use strict';

  const openers = new WeakMap();
  let searchTimer = 0;

  function openDialog(dialog, opener) {
    openers.set(dialog, opener);
    if (!dialog.open) {
      dialog.showModal();
    }
    const first = dialog.querySelector('input:not([type=hidden]):not([disabled]), button:not([disabled])');
    if (first) {
      first.focus();
    }
  }

  async function loadStudents(dialog, page) {
    const form = dialog.closest('form');
    const target = dialog.querySelector('#student-choices');
    if (!form || !target || !form.dataset.studentsUrl) {
      return;
    }
    const url = new URL(form.dataset.studentsUrl, window.location.href);
    url.searchParams.set('search', dialog.querySelector('#student-search').value);
    url.searchParams.set('page', String(page));
    form.querySelectorAll('input[type=hidden][name=BadgeIds]').forEach((input) => url.searchParams.append('badgeIds', input.value));
    target.setAttribute('aria-busy', 'true');
    try {
      const response = await fetch(url, { credentials: 'same-origin', headers: { Accept: 'text/html' } });
      if (response.ok) {
        // The server renders (and encodes) the list; it is the same partial the page renders without script.
        target.innerHTML = await response.text();
      }
    } finally {
      target.removeAttribute('aria-busy');
    }
  }

  document.addEventListener('click', (event) => {
    const element = event.target instanceof Element ? event.target : null;
    if (!element) {
      return;
    }
    const opener = element.closest('[data-dialog-open]');
    if (opener) {
      const dialog = document.getElementById(opener.dataset.dialogOpen);
      if (dialog && typeof dialog.showModal === 'function') {
        event.preventDefault();
        if (opener.dataset.studentId) {
          prepareSingleIssue(dialog, opener);
        }
        openDialog(dialog, opener);
        if (dialog.id === 'choose-students') {
          loadStudents(dialog, 1);
        }
      }
      return;
    }
    const closer = element.closest('[data-dialog-close]');
    if (closer && closer.closest('dialog')) {
      event.preventDefault();
      closer.closest('dialog').close();
      return;
    }
    const pageButton = element.closest('[data-remote-page]');
    if (pageButton && pageButton.closest('dialog[open]')) {
      event.preventDefault();
      loadStudents(pageButton.closest('dialog'), Number(pageButton.value.split(':')[1]) || 1);
      return;
    }
    const searchButton = element.closest('[data-remote-search]');
    if (searchButton && searchButton.closest('dialog[open]')) {
      event.preventDefault();
      loadStudents(searchButton.closest('dialog'), 1);
    }
  });

  // Focus goes back where it came from, whichever way the dialog closed (button, Escape).
  document.addEventListener('close', (event) => {
    const opener = openers.get(event.target);
    if (opener) {
      opener.focus();
    }
  }, true);

  document.addEventListener('input', (event) => {
    const input = event.target;
    if (!(input instanceof HTMLInputElement)) {
      return;
    }
    if (input.dataset.filter) {
      const term = input.value.trim().toLowerCase();
      document.getElementById(input.dataset.filter)?.querySelectorAll('li').forEach((item) => {
        item.hidden = !(item.dataset.filterText || '').toLowerCase().includes(term);
      });
    }
    if (input.id === 'student-search' && input.closest('dialog[open]')) {
      window.clearTimeout(searchTimer);
      searchTimer = window.setTimeout(() => loadStudents(input.closest('dialog'), 1), 250);
    }
  });

  document.addEventListener('keydown', (event) => {
    const input = event.target;
    if (event.key === 'Enter' && input instanceof HTMLInputElement && input.type === 'search' && input.closest('dialog[open]')) {
      // Enter searches; it must not submit the whole form.
      event.preventDefault();
      if (input.id === 'student-search') {
        window.clearTimeout(searchTimer);
        loadStudents(input.closest('dialog'), 1);
      }
    }
  });

  document.addEventListener('change', (event) => {
    const all = event.target instanceof Element ? event.target.closest('[data-select-all]') : null;
    if (all) {
      document.getElementById(all.dataset.selectAll)?.querySelectorAll('input[type=checkbox]').forEach((box) => {
        box.checked = all.checked;
      });
    }
  });

  // After an issuance the result is at the bottom of the page: take the reader (and screen readers) there.
  const result = document.getElementById('result-heading');
  if (result) {
    result.focus();
  }

  // The roster's per-student button opens one Choose Badge dialog, set up for that student.
  function prepareSingleIssue(dialog, opener) {
    const form = dialog.querySelector('form');
    form.action = opener.dataset.issueUrl;
    dialog.querySelector('[data-student-name]').textContent = opener.dataset.studentName;
    const held = new Set((opener.dataset.held || '').split(',').filter(Boolean));
    dialog.querySelectorAll('input[name=BadgeId]').forEach((radio) => {
      const isHeld = held.has(radio.value);
      radio.checked = false;
      radio.disabled = isHeld;
      const mark = radio.closest('li').querySelector('[data-held-mark]');
      mark.hidden = !isHeld;
    });
  }
})();
