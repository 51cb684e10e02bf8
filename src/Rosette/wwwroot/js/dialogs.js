// Progressive enhancement for the choosers: without script they are plain form steps (each button posts the form and
// the page comes back with the chooser open); with script they open as modal <dialog>s, and the student list is
// searched and paged in place, and so is the badge list (whose ticked badges stay through every search and page).
// Focus returns to the button that opened a dialog when it closes.
(() => {
  'use strict';

  const openers = new WeakMap();
  let searchTimer = 0;
  let badgeTimer = 0;

  // The badge list's next results: after a cursor ("More badges") they are added; a new search replaces what is not
  // ticked. The server renders (and encodes) the same partial the page renders; bad input comes back as a 400 whose
  // status line says why, and the list is left as it was.
  async function loadBadges(chooser, after) {
    const url = new URL(chooser.dataset.badgesUrl, window.location.href);
    url.searchParams.set('search', chooser.querySelector('[data-badges-search-input]').value);
    if (after) {
      url.searchParams.set('after', after);
    }
    const list = chooser.querySelector('.choice-list');
    list.setAttribute('aria-busy', 'true');
    try {
      const response = await fetch(url, { credentials: 'same-origin', headers: { Accept: 'text/html' } });
      const status = chooser.querySelector('[data-badge-status]');
      if (!response.ok && response.status !== 400) {
        status.textContent = 'The badges could not be loaded. Try again.';
        status.hidden = false;
        return;
      }
      const template = document.createElement('template');
      template.innerHTML = await response.text();
      const incoming = template.content.querySelector('[data-badge-chooser]');
      if (!incoming) {
        return;
      }
      if (response.ok) {
        if (!after) {
          list.querySelectorAll(':scope > li').forEach((item) => {
            if (!item.querySelector('input:checked')) {
              item.remove();
            }
          });
        }
        const present = new Set(Array.from(list.querySelectorAll('input'), (input) => input.value));
        incoming.querySelectorAll('.choice-list > li').forEach((item) => {
          if (!present.has(item.querySelector('input').value)) {
            list.append(item);
          }
        });
        chooser.querySelector('[data-badge-more]').replaceWith(incoming.querySelector('[data-badge-more]'));
        markHeld(chooser.closest('dialog'));
      }
      status.replaceWith(incoming.querySelector('[data-badge-status]'));
    } finally {
      list.removeAttribute('aria-busy');
    }
  }

  function searchBadges(input) {
    window.clearTimeout(badgeTimer);
    loadBadges(input.closest('[data-badge-chooser]'), null);
  }

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
      if (response.ok || response.status === 400) {
        // The server renders (and encodes) the list, or why the search is refused; it is the same partial the page renders without script.
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
    const badgeButton = element.closest('[data-badges-search], [data-badges-more]');
    if (badgeButton && badgeButton.closest('dialog[open]')) {
      event.preventDefault();
      const chooser = badgeButton.closest('[data-badge-chooser]');
      if (badgeButton.dataset.badgesMore) {
        loadBadges(chooser, badgeButton.dataset.badgesMore);
      } else {
        searchBadges(chooser.querySelector('[data-badges-search-input]'));
      }
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
    if (input.id === 'student-search' && input.closest('dialog[open]')) {
      window.clearTimeout(searchTimer);
      searchTimer = window.setTimeout(() => loadStudents(input.closest('dialog'), 1), 250);
    }
    if (input.hasAttribute('data-badges-search-input') && input.closest('dialog[open]')) {
      window.clearTimeout(badgeTimer);
      badgeTimer = window.setTimeout(() => searchBadges(input), 250);
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
      if (input.hasAttribute('data-badges-search-input')) {
        searchBadges(input);
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
    dialog.dataset.held = opener.dataset.held || '';
    dialog.querySelectorAll('input[name=BadgeId]').forEach((radio) => {
      radio.checked = false;
    });
    markHeld(dialog);
  }

  // In the one-badge chooser, the badges the student holds are marked and cannot be chosen (also in pages loaded later).
  function markHeld(dialog) {
    if (!dialog || dialog.dataset.held === undefined) {
      return;
    }
    const held = new Set(dialog.dataset.held.split(',').filter(Boolean));
    dialog.querySelectorAll('input[name=BadgeId]').forEach((radio) => {
      const isHeld = held.has(radio.value);
      radio.disabled = isHeld;
      radio.closest('li').querySelector('[data-held-mark]').hidden = !isHeld;
    });
  }
})();
