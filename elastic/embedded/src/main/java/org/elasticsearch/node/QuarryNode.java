package org.elasticsearch.node;

import org.elasticsearch.env.Environment;
import org.elasticsearch.plugins.MockPluginsService;
import org.elasticsearch.plugins.Plugin;
import org.elasticsearch.plugins.PluginsLoader;
import org.elasticsearch.plugins.PluginsService;

import java.util.Collection;

/**
 * A production {@link Node} whose plugins come from the classpath instead of a
 * distribution's modules/ directory. It lives in Elasticsearch's package because the hook
 * for choosing the plugin service ({@link NodeServiceProvider}) is package-private; the test
 * framework's MockNode uses the same hook but also runs the test bootstrap (security
 * manager, refuses root), which is wrong for a long-running local node. Every other
 * service is Elasticsearch's own, unmodified.
 */
public class QuarryNode extends Node {

    public QuarryNode(Environment environment, Collection<Class<? extends Plugin>> classpathPlugins) {
        super(NodeConstruction.prepareConstruction(environment, null, new NodeServiceProvider() {
            @Override
            PluginsService newPluginService(Environment env, PluginsLoader pluginsLoader) {
                return new MockPluginsService(env.settings(), env, classpathPlugins);
            }
        }, true));
    }
}
