'use strict';
/**
 * Who tries to log in next in the rehearsal world's traffic (js/fakes/traffic.js), and with what: a user
 * of the old tenant not yet in the new one with the right password, sometimes with a wrong one, sometimes
 * an email nobody has. Pure and seeded, so one seed replays the same attempts against the same state.
 *
 * Why seeded and not Math.random: a rehearsal (`rehearse --seed N`) or a test that saw something odd must
 * be able to see it again; the passwords of the world's sample users are random, but which user comes
 * next and whether the password is wrong only come from here.
 */

/** The share of attempts with an email nobody has (Auth0 logs fu) and with a wrong password (fp). */
const UNKNOWN_SHARE = 0.1;
const WRONG_SHARE = 0.15;

/** mulberry32: a small 32-bit PRNG, enough for picking (not for secrets); returns () => [0, 1). */
function seededRandom(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Eight hex digits from `rng`. */
const hex = (rng) =>
  Math.floor(rng() * 4294967296)
    .toString(16)
    .padStart(8, '0');

/**
 * The next attempt: {kind: 'correct' | 'wrong_password' | 'unknown', identifier, password}, from
 * `candidates` ([{identifier, password}], in a stable order). No candidate left: an unknown email.
 */
function pickAttempt(rng, candidates) {
  const roll = rng();
  if (candidates.length === 0 || roll < UNKNOWN_SHARE) {
    return { kind: 'unknown', identifier: `nobody.${hex(rng)}@example.com`, password: `unknown-${hex(rng)}${hex(rng)}` };
  }
  const user = candidates[Math.floor(rng() * candidates.length)];
  if (roll < UNKNOWN_SHARE + WRONG_SHARE) return { kind: 'wrong_password', identifier: user.identifier, password: `wrong-${hex(rng)}${hex(rng)}` };
  return { kind: 'correct', identifier: user.identifier, password: user.password };
}

module.exports = { UNKNOWN_SHARE, WRONG_SHARE, seededRandom, pickAttempt };
