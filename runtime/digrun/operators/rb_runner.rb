# The script `rb>` runs: `ruby -I WORKDIR [-r FEATURE] -- runner.rb COMMAND IN OUT`.
#
# It defines `Digdag.env` (params, store, export, add_subtask, set_state), finds the method
# named by COMMAND (`method`, `Class.method`, `::Mod::Class.method`: an instance method when
# the class has a public one of that name, the class is then created with the params its
# `initialize` names; else a singleton method), binds its arguments by name from the params
# and calls it. The result (or the error) goes to OUT as JSON; an error exits with code 1.
require 'json'

module Digdag
  class Env
    attr_reader :params, :subtask_config, :export_params, :store_params, :state_params

    def initialize(params)
      @params = params
      @subtask_config = {}
      @export_params = {}
      @store_params = {}
      @state_params = {}
      @subtask_index = 0
    end

    def set_state(params = {}, **kwds)
      @state_params.merge!(stringify(params)).merge!(stringify(kwds))
    end

    def export(params = {}, **kwds)
      @export_params.merge!(stringify(params)).merge!(stringify(kwds))
    end

    def store(params = {}, **kwds)
      @store_params.merge!(stringify(params)).merge!(stringify(kwds))
    end

    # add_subtask(params) or add_subtask(Klass, :method, params): a `+subtaskN` child.
    def add_subtask(target = nil, method_name = nil, params = {}, **kwds)
      if target.is_a?(Hash)
        config = stringify(target).merge(stringify(kwds))
      elsif target.nil?
        config = stringify(kwds)
      else
        config = stringify(params).merge(stringify(kwds))
        config['rb>'] = method_name.nil? ? target.to_s : "#{target}.#{method_name}"
      end
      JSON.generate(config)
      @subtask_config["+subtask#{@subtask_index}"] = config
      @subtask_index += 1
    end

    private

    def stringify(hash)
      hash.each_with_object({}) { |(k, v), out| out[k.to_s] = v }
    end
  end

  def self.env
    @env
  end

  def self.env=(env)
    @env = env
  end
end

def digdag_inspect_command(command)
  fragments = command.split('.')
  method_name = fragments.pop.to_sym
  return [nil, method_name, false] if fragments.empty?

  klass = Object.const_get(fragments.join('.'))
  [klass, method_name, klass.public_method_defined?(method_name)]
end

def digdag_missing(receiver, method_name, key)
  name = receiver.is_a?(Module) ? "#{receiver}.#{method_name}" : "#{receiver.class}##{method_name}"
  name = method_name.to_s if receiver.equal?(TOPLEVEL_BINDING.receiver)
  raise ArgumentError, "Method '#{name}' requires parameter '#{key}' but not set"
end

def digdag_arguments(receiver, method_name, params)
  parameters =
    if method_name == :new
      receiver.instance_method(:initialize).parameters
    else
      receiver.method(method_name).parameters
    end
  args = []
  keywords = {}
  parameters.each do |kind, name|
    key = name.to_s
    case kind
    when :req
      digdag_missing(receiver, method_name, key) unless params.key?(key)
      args << params[key]
    when :opt
      args << params[key] if params.key?(key)
    when :keyreq
      digdag_missing(receiver, method_name, key) unless params.key?(key)
      keywords[name] = params[key]
    when :key
      keywords[name] = params[key] if params.key?(key)
    when :keyrest
      params.each { |k, v| keywords[k.to_sym] = v }
    end
  end
  [args, keywords]
end

def digdag_call(command, params)
  klass, method_name, instance_method = digdag_inspect_command(command)
  if klass.nil?
    receiver = TOPLEVEL_BINDING.receiver
    args, keywords = digdag_arguments(receiver, method_name, params)
    return receiver.send(method_name, *args, **keywords)
  end
  receiver = klass
  if instance_method
    args, keywords = digdag_arguments(klass, :new, params)
    receiver = klass.new(*args, **keywords)
  end
  args, keywords = digdag_arguments(receiver, method_name, params)
  receiver.public_send(method_name, *args, **keywords)
end

$stdout.sync = true # logged line by line as it comes
command, in_file, out_file = ARGV
params = JSON.parse(File.read(in_file))['params']
Digdag.env = Digdag::Env.new(params)
$LOAD_PATH << File.expand_path(Dir.pwd)

error = nil
begin
  digdag_call(command, params)
rescue SystemExit => e
  error = e
  info = { 'class' => 'SystemExit', 'message' => "exit with code #{e.status}", 'backtrace' => e.backtrace }
rescue Exception => e # rubocop:disable Lint/RescueException -- reported, then exit 1
  error = e
  # without did_you_mean's and error_highlight's additions
  message = e.respond_to?(:original_message) ? e.original_message : e.message
  info = { 'class' => e.class.name, 'message' => message, 'backtrace' => e.backtrace }
  warn "#{e.class}: #{message}"
  (e.backtrace || []).each { |line| warn "\tfrom #{line}" }
end

out = {
  'subtask_config' => Digdag.env.subtask_config,
  'export_params' => Digdag.env.export_params,
  'store_params' => Digdag.env.store_params
}
out['error'] = info if error
File.write(out_file, JSON.generate(out))
$stdout.flush
exit(error ? 1 : 0)
