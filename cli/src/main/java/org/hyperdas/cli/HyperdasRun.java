package org.hyperdas.cli; public class HyperdasRun { public static void main(String[] a){} }
