-- Drive diglsp from a real editor: headless Neovim (0.7+) opens a .dig file, waits for
-- diagnostics, edits the buffer, asks for completion and hover, and prints one JSON object
-- per line for the test to check. Run:
--   DIGLSP_PYTHON=python DIG_FILE=wf.dig nvim --headless --clean -n -c 'luafile client.lua'
local python = vim.env.DIGLSP_PYTHON or 'python3'
local file = vim.fn.fnamemodify(vim.env.DIG_FILE, ':p')
local root = vim.fn.fnamemodify(file, ':h')

local function emit(kind, value)
  io.stdout:write(vim.fn.json_encode({ kind = kind, value = value }) .. '\n')
end
local function fail(message)
  emit('fail', message)
  vim.cmd('cquit 1')
end

vim.cmd('edit ' .. vim.fn.fnameescape(file))
local bufnr = vim.api.nvim_get_current_buf()
vim.bo[bufnr].filetype = 'digdag'

local published = {}  -- version -> diagnostics
local config = {
  name = 'diglsp',
  cmd = { python, '-m', 'diglsp' },
  root_dir = root,
  init_options = { lint = { debounceMs = 10 } },
  handlers = {
    ['textDocument/publishDiagnostics'] = function(err, result, ctx, cfg)
      published[result.version or 0] = result.diagnostics
      return vim.lsp.diagnostic.on_publish_diagnostics(err, result, ctx, cfg)
    end,
  },
}
local client_id
if vim.lsp.start then
  client_id = vim.lsp.start(config, { bufnr = bufnr })
else
  client_id = vim.lsp.start_client(config)
  if client_id then vim.lsp.buf_attach_client(bufnr, client_id) end
end
if not client_id then return fail('could not start the server') end

local function wait_version(version)
  if not vim.wait(20000, function() return published[version] ~= nil end, 20) then
    fail('no diagnostics for version ' .. version)
  end
  local out = {}
  for _, d in ipairs(published[version]) do
    table.insert(out, { code = d.code, line = d.range.start.line,
                        character = d.range.start.character, message = d.message })
  end
  return out
end

local version = vim.lsp.util.buf_versions[bufnr] or 0
emit('diagnostics', wait_version(version))

-- an edit through the editor (incremental sync): fix the operator typo on line 4
local line = vim.api.nvim_buf_get_lines(bufnr, 4, 5, false)[1]
vim.api.nvim_buf_set_lines(bufnr, 4, 5, false, { (line:gsub('shh>', 'sh>')) })
emit('edited', wait_version(vim.lsp.util.buf_versions[bufnr]))

local td = { uri = vim.uri_from_bufnr(bufnr) }
local function request(method, params)
  local res = vim.lsp.buf_request_sync(bufnr, method, params, 10000)
  local r = res and res[client_id]
  if not r or r.err then fail(method .. ' failed: ' .. vim.inspect(res)) end
  return r.result
end

-- completion inside `${...}` on line 4 (after `${ta`)
local text = vim.api.nvim_buf_get_lines(bufnr, 4, 5, false)[1]
local col = text:find('${ta', 1, true) + 3
local result = request('textDocument/completion',
  { textDocument = td, position = { line = 4, character = col } })
local labels = {}
for _, item in ipairs(result.items or result) do table.insert(labels, item.label) end
emit('completion', labels)

-- hover on the operator key `sh>` of line 4
local hover = request('textDocument/hover',
  { textDocument = td, position = { line = 4, character = 3 } })
emit('hover', hover and hover.contents and (hover.contents.value or hover.contents) or vim.NIL)

vim.lsp.stop_client(client_id)
vim.wait(5000, function() return vim.lsp.get_client_by_id(client_id) == nil end, 50)
emit('done', true)
vim.cmd('qall!')
