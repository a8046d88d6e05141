// Ketting (a hypermedia client written by others, from npm) walks hyperkm's emulator.
//   node ketting_walk.js walk ROOT TOKEN PREFIX  - root -> accounts -> an account -> products
//       -> a product -> events -> an event, then the templated `event` link with {id}
//   node ketting_walk.js links ROOT TOKEN        - follow every link Ketting sees at the root
//       that is not a template (body and Link header) and report each status
// Prints one JSON object.
"use strict";
const { Client, bearerAuth } = require(process.env.KETTING_PATH || "ketting");

async function walk(client, prefix) {
  const rel = (name) => prefix + name;
  const out = { steps: [] };
  const home = client.go();
  const accounts = await home.follow(rel("accounts"));
  const accountsState = await accounts.get();
  out.steps.push(accounts.uri);
  const account = (await accounts.followAll("item"))[0];
  out.steps.push(account.uri);
  const product = (await (await account.follow(rel("products"))).followAll("item"))[0];
  out.steps.push(product.uri);
  const events = await product.follow(rel("events"));
  const eventsState = await events.get();
  out.steps.push(events.uri);
  const first = await (await events.followAll("item"))[0].get();
  const one = await home.follow(rel("event"), { id: first.data.id });
  const oneState = await one.get();
  out.templated = { uri: one.uri, id: oneState.data.id, expected: first.data.id };
  out.accounts = accountsState.links.getMany("item").length;
  out.eventsOnPage = eventsState.links.getMany("item").length;
  return out;
}

async function links(client) {
  const home = client.go();
  const state = await home.get();
  const out = { followed: {} };
  for (const link of state.links.getAll()) {
    if (link.templated || link.href.includes("{")) continue;
    try {
      const target = await client.go(link.href).get();
      out.followed[link.rel] = target.uri ? 200 : 0;
    } catch (err) {
      out.followed[link.rel] = err.status || String(err);
    }
  }
  return out;
}

async function main() {
  const [mode, root, token, prefix] = process.argv.slice(2);
  const client = new Client(root);
  client.use(bearerAuth(token));
  const out = mode === "walk" ? await walk(client, prefix || "") : await links(client);
  console.log(JSON.stringify(out));
}

main().catch((err) => {
  console.log(JSON.stringify({ error: String((err && err.stack) || err) }));
  process.exit(1);
});
