import {expect} from 'chai'
import {describeEachEngine} from '../support/engines.js'
import {client, signup, type Client} from '../support/http.js'
import {startTestServer, type TestServer} from '../support/server.js'

describeEachEngine('HTTP projects and API keys', (engine) => {
  let server: TestServer
  let api: Client
  let alice: {token: string; id: string}
  let bob: {token: string; id: string}
  let adminToken: string

  before(async () => {
    server = await startTestServer(engine)
    api = client(server.url)
    alice = await signup(api, 'alice')
    bob = await signup(api, 'bob')
    await server.services.users.create({name: 'Root', email: 'root@example.com', password: 'correct horse battery', role: 'admin'})
    adminToken = (await api.post('/login', {email: 'root@example.com', password: 'correct horse battery'})).body.token
  })
  after(async () => server?.close())

  async function createProject(token: string, body: Record<string, unknown> = {name: 'Shop'}) {
    const res = await api.post('/projects', body, {token})
    expect(res.status, res.text).to.equal(201)
    return res.body as {project: {id: number; slug: string; keyPrefix: string}; apiKey: string}
  }

  it('creates a project with a positive integer id, a slug and a key shown once', async () => {
    const {project, apiKey} = await createProject(alice.token, {name: 'Web Shop', description: 'the shop'})
    expect(project.id).to.be.a('number').and.greaterThan(0)
    expect(project.slug).to.equal('web-shop')
    expect(apiKey).to.match(/^clk_[0-9a-f]{64}$/)
    expect(apiKey.startsWith(project.keyPrefix)).to.equal(true)
    expect(project).to.not.have.property('keyHash')
    const listed = await api.get('/user/projects', {token: alice.token})
    expect(listed.text).to.not.include(apiKey)
    expect(listed.body.projects.map((p: {id: number}) => p.id)).to.include(project.id)
  })

  it('derives a free slug, and refuses a chosen slug that is taken (409)', async () => {
    const a = await createProject(alice.token, {name: 'Twin'})
    const b = await createProject(bob.token, {name: 'Twin'})
    expect(a.project.slug).to.equal('twin')
    expect(b.project.slug).to.equal('twin-2')
    const taken = await api.post('/projects', {name: 'Other', slug: 'twin'}, {token: bob.token})
    expect(taken.status).to.equal(409)
    expect(taken.body.error.details[0].path).to.equal('slug')
  })

  it('rejects unknown and malformed fields with 400 naming them', async () => {
    const extra = await api.post('/projects', {name: 'X', ownerId: bob.id}, {token: alice.token})
    expect(extra.status).to.equal(400)
    expect(extra.body.error.details[0].path).to.equal('ownerId')
    const badSlug = await api.post('/projects', {name: 'X', slug: '12345'}, {token: alice.token})
    expect(badSlug.status).to.equal(400)
    expect(badSlug.body.error.details[0].path).to.equal('slug')
    const {project} = await createProject(alice.token, {name: 'Strict'})
    const put = await api.put(`/projects/${project.id}`, {keyHash: 'x'}, {token: alice.token})
    expect(put.status).to.equal(400)
    expect(put.body.error.details[0].path).to.equal('keyHash')
    const empty = await api.put(`/projects/${project.id}`, {}, {token: alice.token})
    expect(empty.status).to.equal(400)
    expect((await api.put('/projects/abc', {name: 'n'}, {token: alice.token})).status).to.equal(400)
  })

  it('lists own projects for a member and every project for an admin', async () => {
    const mine = await createProject(alice.token, {name: 'Mine'})
    const theirs = await createProject(bob.token, {name: 'Theirs'})
    const aliceList = (await api.get('/projects', {token: alice.token})).body.projects.map((p: {id: number}) => p.id)
    expect(aliceList).to.include(mine.project.id).and.not.include(theirs.project.id)
    const bobOwn = (await api.get('/user/projects', {token: bob.token})).body.projects.map((p: {id: number}) => p.id)
    expect(bobOwn).to.include(theirs.project.id).and.not.include(mine.project.id)
    const adminList = (await api.get('/projects', {token: adminToken})).body.projects.map((p: {id: number}) => p.id)
    expect(adminList).to.include.members([mine.project.id, theirs.project.id])
  })

  it('updates name, description and slug', async () => {
    const {project} = await createProject(alice.token, {name: 'Before'})
    const res = await api.put(`/projects/${project.id}`, {name: 'After', description: 'd', slug: 'after'}, {token: alice.token})
    expect(res.status).to.equal(200)
    expect(res.body.project).to.include({name: 'After', description: 'd', slug: 'after'})
  })

  it('hides another user’s project: 404 for read, update, delete and rotate, exactly like a missing one', async () => {
    const {project, apiKey} = await createProject(alice.token, {name: 'Private'})
    const missing = await api.put('/projects/999999', {name: 'x'}, {token: bob.token})
    const put = await api.put(`/projects/${project.id}`, {name: 'pwned'}, {token: bob.token})
    expect(put.status).to.equal(404)
    expect(put.body.error.code).to.equal(missing.body.error.code)
    expect((await api.delete(`/projects/${project.id}`, {token: bob.token})).status).to.equal(404)
    expect((await api.patch(`/projects/${project.id}/api-key`, undefined, {token: bob.token})).status).to.equal(404)
    // Untouched: the key still works and the name is unchanged.
    expect((await api.post('/log-error', {message: 'still mine'}, {apiKey})).status).to.equal(202)
    const aliceView = (await api.get('/projects', {token: alice.token})).body.projects.find((p: {id: number}) => p.id === project.id)
    expect(aliceView.name).to.equal('Private')
  })

  it('lets an admin update, rotate and delete anyone’s project', async () => {
    const {project} = await createProject(bob.token, {name: 'Managed'})
    expect((await api.put(`/projects/${project.id}`, {name: 'Managed by admin'}, {token: adminToken})).status).to.equal(200)
    expect((await api.patch(`/projects/${project.id}/api-key`, undefined, {token: adminToken})).status).to.equal(200)
    expect((await api.delete(`/projects/${project.id}`, {token: adminToken})).status).to.equal(204)
  })

  it('rotates the key: the old one is refused at once, the new one accepted', async () => {
    const {project, apiKey: oldKey} = await createProject(alice.token, {name: 'Rotating'})
    expect((await api.post('/log-error', {message: 'before'}, {apiKey: oldKey})).status).to.equal(202)
    const rotated = await api.patch(`/projects/${project.id}/api-key`, undefined, {token: alice.token})
    expect(rotated.status).to.equal(200)
    const newKey = rotated.body.apiKey as string
    expect(newKey).to.not.equal(oldKey)
    expect(rotated.body.project.keyPrefix).to.equal(newKey.slice(0, rotated.body.project.keyPrefix.length))
    expect((await api.post('/log-error', {message: 'old'}, {apiKey: oldKey})).status).to.equal(401)
    expect((await api.post('/log-error', {message: 'new'}, {apiKey: newKey})).status).to.equal(202)
  })

  it('deletes a project with its errors; its key stops working', async () => {
    const {project, apiKey} = await createProject(alice.token, {name: 'Doomed'})
    for (let i = 0; i < 3; i++) expect((await api.post('/log-error', {message: `e${i}`}, {apiKey})).status).to.equal(202)
    expect(await server.store.countEvents(project.id)).to.equal(3)
    expect((await api.delete(`/projects/${project.id}`, {token: alice.token})).status).to.equal(204)
    expect(await server.store.countEvents(project.id)).to.equal(0)
    expect((await api.post('/log-error', {message: 'after'}, {apiKey})).status).to.equal(401)
    expect((await api.delete(`/projects/${project.id}`, {token: alice.token})).status).to.equal(404)
  })
})
