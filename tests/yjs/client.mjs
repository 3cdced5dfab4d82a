// A stock y-websocket client on one room of the edge hub: node "<node>/<shard>", credential in ?token=.
// usage: node client.mjs SERVER_URL ROOM TOKEN [RECORD_JSON]
// Prints one JSON line once synced: {"synced": true, "work_orders": {id: title}}; then writes RECORD_JSON
// (a work order as {id, entries: {key: json text}}) into the room's work_order map, waits, and exits.
import * as Y from 'yjs'
import { WebsocketProvider } from 'y-websocket'
import WebSocket from 'ws'

const [serverUrl, room, token, recordJson] = process.argv.slice(2)
const doc = new Y.Doc()
const provider = new WebsocketProvider(serverUrl, room, doc, { WebSocketPolyfill: WebSocket, params: { token }, connect: true })
const give_up = setTimeout(() => { console.log(JSON.stringify({ synced: false })); process.exit(1) }, 15000)
provider.on('connection-close', (event) => {
  if (!provider.synced) { console.log(JSON.stringify({ synced: false, closed: event && event.code })); process.exit(3) }
})
provider.on('sync', (synced) => {
  if (!synced) return
  const orders = doc.getMap('work_order')
  const titles = {}
  orders.forEach((record, id) => { titles[id] = JSON.parse(record.get('head')).fields.title })
  console.log(JSON.stringify({ synced: true, work_orders: titles }))
  if (recordJson) {
    const record = JSON.parse(recordJson)
    const map = new Y.Map()
    for (const [key, value] of Object.entries(record.entries)) map.set(key, value)
    orders.set(record.id, map)
  }
  setTimeout(() => { clearTimeout(give_up); provider.destroy(); process.exit(0) }, 1000)
})
