// The one log line per invocation.

// What happened, how long it took, how many upstream requests went out (cache hits not
// counted). The identifier appears only as a short hash unless the flow said it may be named
// (`named`: Rust decides it from the settings); passwords, secrets and tokens never.
function almLog(op, identifier, kind, started, upstream, named) {
  var who = named ? JSON.stringify(String(identifier)) : require('crypto').createHash('sha256').update(String(identifier)).digest('hex').slice(0, 12);
  console.log('auth0-lazy-migrate ' + ALM_VERSION + ' ' + op + ' outcome=' + kind + ' ms=' + (Date.now() - started) + ' upstream=' + upstream + ' user=' + who);
}

module.exports = { almLog: almLog };
