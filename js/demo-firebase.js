'use strict';
/**
 * The firebase source's part of `make demo` (run by js/demo-source.js): our fake of Google's
 * services (js/fakes/firebase.js: Identity Toolkit, the OAuth token endpoint checking the service
 * account's assertion, the secure-token key set) on loopback, and the built dist/firebase/*.js.
 *
 * The scripts call Google's fixed addresses; the container's `fetch` (the fake's `fetchVia`) sends
 * them to the fake, as a hosts-file entry would: the scripts run as built, with no setting for it.
 * That is also why the bench does not time this source (`bench: false`): its cold runs are fresh
 * child processes, which cannot share the container's fetch.
 */
const { startFirebase, SAMPLE_USERS } = require('./fakes/firebase');

const [JANE, DISABLED] = SAMPLE_USERS;
/** [script, identifier, password (never printed), what it shows, expected outcome]. */
const STEPS = [
  ['login', JANE.email, JANE.password, 'right password', 'success'],
  ['login', JANE.email, 'not-her-firebase-password', 'wrong password', 'wrong_password'],
  ['login', DISABLED.email, DISABLED.password, 'disabled in Firebase', 'unauthorized'],
  ['get_user', JANE.email, null, 'password reset', 'found'],
  ['get_user', 'nobody@example.com', null, 'sign-up with a new email', 'not_found'],
];

const DEMO = {
  source: 'firebase',
  noun: 'fake Google services',
  steps: STEPS,
  bench: false,
  start: () => startFirebase(),
  configuration: (fb) => ({
    Project_ID: fb.projectId,
    API_Key: fb.apiKey,
    Service_Account_Email: fb.serviceAccount.email,
    // As pasted from the JSON key file: its line breaks written as \n.
    Service_Account_Private_Key: fb.serviceAccount.privateKey.replace(/\n/g, '\\n'),
  }),
  globals: (fb) => ({ fetch: fb.fetchVia(), AbortController }),
  about: (fb) => [
    `against a fake of Google's services (project ${fb.projectId})`,
    "docs/firebase-source.md: signInWithPassword, the ID token checked, then the admin accounts:lookup with the service account's token",
  ],
};

module.exports = { DEMO, STEPS };
