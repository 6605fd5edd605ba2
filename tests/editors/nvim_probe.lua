-- Drives Neovim's own LSP client (0.7+: vim.lsp.start_client and
-- buf_attach_client) against `rulescope serve`: opens a rule, waits for the
-- server's diagnostics, hovers the first ATT&CK technique tag and writes what
-- the editor received as JSON to $PROBE_OUTPUT. Run headless by
-- tests/test_neovim.py.
local rule = os.getenv("PROBE_RULE")
local output = os.getenv("PROBE_OUTPUT")
local python = os.getenv("PROBE_PYTHON")
local result = { attached = false, hover = nil, diagnostics = {} }

local function finish()
  local file = io.open(output, "w")
  file:write(vim.fn.json_encode(result))
  file:close()
  vim.cmd("qall!")
end

vim.cmd("edit " .. vim.fn.fnameescape(rule))
local bufnr = vim.api.nvim_get_current_buf()
local client_id = vim.lsp.start_client({
  name = "rulescope",
  cmd = { python, "-P", "-m", "rulescope", "serve" },
  root_dir = vim.fn.fnamemodify(rule, ":h"),
})
result.attached = vim.lsp.buf_attach_client(bufnr, client_id)
local client = vim.lsp.get_client_by_id(client_id)
vim.wait(15000, function()
  return client.server_capabilities ~= nil and next(client.server_capabilities) ~= nil
end, 50)

vim.wait(15000, function()
  return #vim.diagnostic.get(bufnr) > 0
end, 50)
for _, diagnostic in ipairs(vim.diagnostic.get(bufnr)) do
  table.insert(result.diagnostics, {
    line = diagnostic.lnum,
    col = diagnostic.col,
    code = diagnostic.code or (diagnostic.user_data and diagnostic.user_data.lsp and diagnostic.user_data.lsp.code),
    message = diagnostic.message,
    source = diagnostic.source,
  })
end

for lnum, text in ipairs(vim.api.nvim_buf_get_lines(bufnr, 0, -1, false)) do
  local col = text:find("attack%.t%d")
  if col then
    local params = {
      textDocument = { uri = vim.uri_from_bufnr(bufnr) },
      position = { line = lnum - 1, character = col + 3 },
    }
    local responses = vim.lsp.buf_request_sync(bufnr, "textDocument/hover", params, 15000)
    for _, response in pairs(responses or {}) do
      if response.result and response.result.contents then
        local contents = response.result.contents
        result.hover = type(contents) == "table" and (contents.value or contents[1]) or contents
      end
    end
    break
  end
end
finish()
